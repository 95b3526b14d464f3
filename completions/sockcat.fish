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
    '- tls - serve TLS 1.2/1.3' \
    '- cert PATH certificate (chain) to present, PEM' \
    '- key PATH private key of --cert, PEM' \
    '- self-signed - serve a key and certificate made at start' \
    '- client-ca PATH require client certificates signed by these CAs' \
    '- alpn LIST application protocols accepted, comma-separated' \
    '- tls-min VERSION lowest TLS version, 1.2 or 1.3' \
    'x hexdump =FILE dump what moves in hex and ASCII (stderr, or FILE)' \
    '- stats - at the end of each session, bytes, duration, rate' \
    '- progress - a live progress line on stderr' \
    '- sha256 - at the end, the SHA-256 of what was sent and received' \
    'C crlf - send each LF as CRLF' \
    '- rate RATE at most RATE bytes a second each way' \
    '- allow CIDR accept only peers in CIDR' \
    '- deny CIDR refuse peers in CIDR' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
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
    '- tls - speak TLS 1.2/1.3, verifying the server' \
    '- cafile PATH trust these CAs (PEM file or hashed directory)' \
    '- sni NAME server name to send and verify' \
    '- pin PIN accept exactly the server key with this SHA-256' \
    '- insecure - do not verify the server (says so)' \
    '- alpn LIST application protocols to offer, comma-separated' \
    '- cert PATH client certificate (chain) to present, PEM' \
    '- key PATH private key of --cert, PEM' \
    '- tls-min VERSION lowest TLS version, 1.2 or 1.3' \
    'x hexdump =FILE dump what moves in hex and ASCII (stderr, or FILE)' \
    '- stats - at the end of each session, bytes, duration, rate' \
    '- progress - a live progress line on stderr' \
    '- sha256 - at the end, the SHA-256 of what was sent and received' \
    'C crlf - send each LF as CRLF' \
    '- rate RATE at most RATE bytes a second each way' \
    '- proxy URL through a proxy (socks4/4a/5/5h or http URL)' \
    '- proxy-auth-file PATH read the proxy USER:PASS from a file' \
    'e exec CMD run /bin/sh -c CMD on the connection' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
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
    'x hexdump =FILE dump each datagram in hex and ASCII (stderr, or FILE)' \
    '- stats - at the end, datagrams, bytes, duration, rate' \
    '- sha256 - at the end, the SHA-256 of what was sent and received' \
    'C crlf - send each LF as CRLF' \
    '- rate RATE at most RATE bytes of datagrams a second' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
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
    'x hexdump =FILE dump each datagram in hex and ASCII (stderr, or FILE)' \
    '- stats - at the end, datagrams, bytes, duration, rate' \
    '- sha256 - at the end, the SHA-256 of what was received' \
    '- allow CIDR take only datagrams from CIDR' \
    '- deny CIDR drop datagrams from CIDR' \
    'v verbose - say what happens on stderr' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
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
    '- allow CIDR accept only peers in CIDR' \
    '- deny CIDR refuse peers in CIDR' \
    'v verbose - log each connection' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
    'h help - show the options and exit'

set -l __sockcat_forward \
    '4 ipv4 - IPv4 only (target)' \
    '6 ipv6 - IPv6 only (target)' \
    'p port PORT local port to listen on' \
    'b bind ADDR local address to listen on' \
    'U unix PATH listen on a Unix socket instead of a port' \
    '- to-unix PATH forward to a Unix socket instead of HOST PORT' \
    's source ADDR local address towards the target' \
    '- source-port PORT local port towards the target' \
    'n numeric - no DNS, addresses must be numeric' \
    'u udp - forward datagrams' \
    'w timeout DUR connect timeout to the target' \
    'i idle-timeout DUR close a pair idle for DUR' \
    'm max-conns N at most N pairs at once' \
    'c count N exit after N connections' \
    '- reuseaddr - set SO_REUSEADDR' \
    '- no-reuseaddr - do not set SO_REUSEADDR' \
    '- reuseport - set SO_REUSEPORT' \
    '- keepalive =IDLE,INTVL,CNT SO_KEEPALIVE, optionally with timings' \
    '- nodelay - set TCP_NODELAY' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    '- tls - accept TLS from the clients' \
    '- to-tls - speak TLS to the target' \
    '- cert PATH certificate (PEM)' \
    '- key PATH private key of --cert (PEM)' \
    '- self-signed - make a certificate in memory' \
    '- client-ca PATH require client certificates of these CAs' \
    '- cafile PATH trust these CAs for the target' \
    '- sni NAME the target name to send and verify' \
    '- pin sha256:HEX accept exactly this target key' \
    '- insecure - do not verify the target' \
    '- alpn LIST application protocols' \
    '- tls-min VERSION lowest TLS version (1.2 or 1.3)' \
    'x hexdump =FILE dump what moves, each line naming its pair' \
    '- stats - at the end of each pair, bytes, duration, rate' \
    '- rate RATE at most RATE bytes a second each way, per pair' \
    '- proxy URL through a proxy (socks4/4a/5/5h or http URL)' \
    '- proxy-auth-file PATH read the proxy USER:PASS from a file' \
    '- allow CIDR accept only peers in CIDR' \
    '- deny CIDR refuse peers in CIDR' \
    'v verbose - log each pair' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
    'h help - show the options and exit'

set -l __sockcat_scan \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    's source ADDR local address of every probe' \
    'n numeric - no DNS, addresses must be numeric' \
    'j parallel N probe at most N ports at once' \
    'w timeout DUR how long each port may take to answer' \
    '- banner - print the first line an open port says' \
    'u udp - probe UDP ports' \
    'v verbose - also print closed and filtered ports' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
    'h help - show the options and exit'

set -l __sockcat_wait \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    's source ADDR local address of the probes' \
    'n numeric - no DNS, addresses must be numeric' \
    'U unix PATH wait for the Unix stream socket PATH too' \
    'w timeout DUR give up after DUR in all' \
    '- interval DUR the longest pause between attempts' \
    'v verbose - log every attempt' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
    'h help - show the options and exit'

set -l __sockcat_ping \
    '4 ipv4 - IPv4 only' \
    '6 ipv6 - IPv6 only' \
    's source ADDR local address to send from' \
    'n numeric - no DNS, HOST must be numeric' \
    'c count N send N echo requests' \
    '- interval DUR wait DUR between requests' \
    'w timeout DUR how long each reply may take' \
    '- size N bytes of payload' \
    'v verbose - say which socket is used' \
    'q quiet - print nothing but fatal errors' \
    '- log-format text|json stderr as text lines or JSON objects' \
    'h help - show the options and exit'

set -l __sockcat_proxy \
    '4 ipv4 - IPv4 only (destinations)' \
    '6 ipv6 - IPv6 only (destinations)' \
    'p port PORT local port to listen on (default 1080)' \
    'b bind ADDR local address to listen on (default loopback)' \
    'U unix PATH listen on a Unix socket instead of a port' \
    's source ADDR local address towards destinations' \
    'n numeric - no DNS, addresses must be numeric' \
    'w timeout DUR connect timeout to destinations' \
    'i idle-timeout DUR close a tunnel idle for DUR' \
    'm max-conns N at most N clients at once' \
    'c count N exit after N clients' \
    '- auth USER:PASS require this user name and password' \
    '- auth-file PATH read the USER:PASS of --auth from a file' \
    '- allow CIDR accept only clients in CIDR' \
    '- deny CIDR refuse clients in CIDR' \
    '- reuseaddr - set SO_REUSEADDR' \
    '- no-reuseaddr - do not set SO_REUSEADDR' \
    '- reuseport - set SO_REUSEPORT' \
    '- keepalive =IDLE,INTVL,CNT SO_KEEPALIVE, optionally with timings' \
    '- nodelay - set TCP_NODELAY' \
    '- rcvbuf N SO_RCVBUF in bytes' \
    '- sndbuf N SO_SNDBUF in bytes' \
    'v verbose - log each tunnel' \
    'q quiet - print nothing but fatal errors' \
    'x hexdump =FILE dump what moves, each line naming its tunnel' \
    '- stats - at the end of each tunnel, bytes, duration, rate' \
    '- rate RATE at most RATE bytes a second each way, per tunnel' \
    '- log-format text|json stderr as text lines or JSON objects' \
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
complete -c sockcat -n 'not __sockcat_command' -a forward -d 'concurrent port forwarder (TCP, UDP or Unix)'
complete -c sockcat -n 'not __sockcat_command' -a scan -d 'which ports accept (nc -z, in parallel)'
complete -c sockcat -n 'not __sockcat_command' -a wait -d 'wait until services accept, then run COMMAND'
complete -c sockcat -n 'not __sockcat_command' -a ping -d 'ICMP echo (raw or ICMP datagram socket)'
complete -c sockcat -n 'not __sockcat_command' -a proxy -d 'SOCKS4/4a/5 and HTTP CONNECT proxy server'
complete -c sockcat -n 'not __sockcat_command' -a help -d 'show the options of a command'

# sockcat help COMMAND
complete -c sockcat -n '__sockcat_is help; and test (count (commandline -opc)) -eq 2' \
    -a 'listen connect udp-send udp-recv echo forward proxy scan wait ping'

# Each command's options, from its list.
for cmd in listen connect udp-send udp-recv echo forward proxy scan wait ping
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
            case '*|*'
                # A choice (text|json): its words.
                set -a args -x -a (string replace -a '|' ' ' -- $f[3])
            case '*'
                set -a args -x
        end
        complete $args -d $f[4]
    end
end

# HOST of connect, udp-send, forward, scan, wait and ping.
complete -c sockcat -n '__sockcat_is connect; or __sockcat_is udp-send; or __sockcat_is forward; or __sockcat_is scan; or __sockcat_is wait; or __sockcat_is ping' -a '(__fish_print_hostnames)'
