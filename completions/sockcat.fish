# fish completion for sockcat(1)
#
# One list of options per command, as 'sockcat COMMAND --help' prints them.
# Change a list in the same commit as the option row in src/cmd-*.c or
# src/opt.h; tests/docs.bats compares these lists with --help.
#
# Each entry is "SHORT LONG ARG DESCRIPTION":
#   SHORT  the short letter, or - when there is none
#   LONG   the long name without the dashes
#   ARG    - (no value), META (a value), or =META (an optional value,
#          --long=VALUE only); PATH completes file names

set -l __sockcat_listen \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    'p port PORT local port (0 picks a free one)' \
    'b bind ADDR local address to listen on' \
    'n numeric - no DNS, addresses must be numeric' \
    'U unix PATH Unix socket instead of a port' \
    '- seqpacket - with -U, a SOCK_SEQPACKET socket' \
    'w timeout DUR accept timeout' \
    'i idle-timeout DUR end a session idle for DUR' \
    'k keep-open - after a session ends, accept the next one' \
    'e exec CMD run /bin/sh -c CMD on each connection' \
    'm max-conns N with -k -e, at most N programs at once' \
    '- reuseaddr - set SO_REUSEADDR (the default)' \
    '- no-reuseaddr - do not set SO_REUSEADDR' \
    '- reuseport - set SO_REUSEPORT' \
    '- keepalive =IDLE,INTVL,CNT SO_KEEPALIVE, optionally with timings' \
    '- nodelay - set TCP_NODELAY' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    '- no-shutdown - at stdin EOF keep the write side open' \
    '- send-only - only send stdin, end at its EOF' \
    '- recv-only - never read stdin, end at the socket EOF' \
    '- wait-stdin - send stdin until its EOF, even after the peer answered' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    'h help - show the options and exit'

set -l __sockcat_connect \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    's source ADDR local address of the client socket' \
    '- source-port PORT local port of the client socket' \
    'n numeric - no DNS, HOST must be numeric' \
    'U unix PATH Unix socket instead of HOST and PORT' \
    '- seqpacket - with -U, a SOCK_SEQPACKET socket' \
    'w timeout DUR connect timeout' \
    'i idle-timeout DUR end a session idle for DUR' \
    '- keepalive =IDLE,INTVL,CNT SO_KEEPALIVE, optionally with timings' \
    '- nodelay - set TCP_NODELAY' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    '- no-shutdown - at stdin EOF keep the write side open' \
    '- send-only - only send stdin, end at its EOF' \
    '- recv-only - never read stdin, end at the socket EOF' \
    '- wait-stdin - send stdin until its EOF, even after the peer answered' \
    'e exec CMD run /bin/sh -c CMD on the connection' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    'h help - show the options and exit'

set -l __sockcat_udp_send \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    's source ADDR local address of the socket' \
    '- source-port PORT local port of the socket' \
    'n numeric - no DNS, HOST must be numeric' \
    'U unix PATH Unix datagram socket instead of HOST and PORT' \
    'r reply - wait for one answer to each datagram' \
    'w timeout DUR with -r, how long to wait for each answer' \
    '- chunk N send stdin in datagrams of N bytes' \
    '- interval DUR wait DUR between datagrams' \
    '- broadcast - allow a broadcast address (SO_BROADCAST)' \
    '- ttl N unicast TTL and multicast hops' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    'h help - show the options and exit'

set -l __sockcat_udp_recv \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    'p port PORT local port (0 picks a free one)' \
    'b bind ADDR local address to receive on' \
    'n numeric - no DNS, addresses must be numeric' \
    'U unix PATH Unix datagram socket instead of a port' \
    'w timeout DUR receive timeout' \
    'c count N exit after N datagrams' \
    '- from - prefix each datagram with its sender' \
    '- join GROUP[@IFACE] join a multicast group' \
    '- reuseaddr - set SO_REUSEADDR' \
    '- no-reuseaddr - do not set SO_REUSEADDR (the default)' \
    '- reuseport - set SO_REUSEPORT' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    'h help - show the options and exit'

set -l __sockcat_echo \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    'p port PORT local port (0 picks a free one)' \
    'b bind ADDR local address to listen on' \
    'n numeric - no DNS, addresses must be numeric' \
    'U unix PATH Unix socket instead of a port' \
    'u udp - echo datagrams' \
    'i idle-timeout DUR close a connection idle for DUR' \
    'm max-conns N at most N connections at once' \
    'c count N exit after N connections (or datagrams)' \
    '- timestamp - prefix each echoed line with the time' \
    '- reuseaddr - set SO_REUSEADDR' \
    '- no-reuseaddr - do not set SO_REUSEADDR' \
    '- reuseport - set SO_REUSEPORT' \
    '- keepalive =IDLE,INTVL,CNT SO_KEEPALIVE, optionally with timings' \
    '- nodelay - set TCP_NODELAY' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    'v verbose - log each connection' \
    'q quiet - print nothing but fatal errors' \
    'h help - show the options and exit'

# The command: the first word after "sockcat" that is not an option.
function __sockcat_command
    for t in (commandline -opc)[2..-1]
        string match -q -- '-*' $t; and continue
        echo $t
        return 0
    end
    return 1
end

function __sockcat_is -a cmd
    set -l c (__sockcat_command)
    and test "$c" = "$cmd"
end

complete -c sockcat -f

# sockcat [-h | -V] COMMAND
complete -c sockcat -n 'not __sockcat_command' -s h -l help -d 'list the commands and exit'
complete -c sockcat -n 'not __sockcat_command' -s V -l version -d 'print the version and exit'
complete -c sockcat -n 'not __sockcat_command' -a listen -d 'TCP/Unix stream server, relays stdin/stdout'
complete -c sockcat -n 'not __sockcat_command' -a connect -d 'TCP/Unix stream client, relays stdin/stdout'
complete -c sockcat -n 'not __sockcat_command' -a udp-send -d 'sends datagrams'
complete -c sockcat -n 'not __sockcat_command' -a udp-recv -d 'receives datagrams to stdout'
complete -c sockcat -n 'not __sockcat_command' -a echo -d 'concurrent echo server (TCP, UDP or Unix)'
complete -c sockcat -n 'not __sockcat_command' -a help -d 'show the options of a command'

# sockcat help COMMAND
complete -c sockcat -n '__sockcat_is help; and test (count (commandline -opc)) -eq 2' \
    -a 'listen connect udp-send udp-recv echo'

# Each command's options, from its list.
for cmd in listen connect udp-send udp-recv echo
    set -l list __sockcat_(string replace -a -- - _ $cmd)
    for entry in $$list
        set -l f (string split -m 3 ' ' -- $entry)
        set -l args -c sockcat -n "__sockcat_is $cmd"
        test "$f[1]" != -; and set -a args -s $f[1]
        set -a args -l $f[2]
        switch $f[3]
            case -
            case PATH
                set -a args -r -F
            case '=*'
                # An optional value after '=': nothing to complete.
            case '*'
                set -a args -x
        end
        complete $args -d $f[4]
    end
end

# HOST of connect and udp-send.
complete -c sockcat -n '__sockcat_is connect; or __sockcat_is udp-send' -a '(__fish_print_hostnames)'
