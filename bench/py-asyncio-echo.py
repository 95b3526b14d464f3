#!/usr/bin/env python3
"""An asyncio echo server, written the way the asyncio streams tutorial
teaches it (start_server, await reader.read(), writer.write(), await
writer.drain()), for bench/echo.sh.

usage: py-asyncio-echo.py [PORT]   (default 0: the kernel picks one)
Prints "listening on 127.0.0.1:PORT" on stderr once it accepts.
"""
import asyncio
import resource
import sys


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port,
                                        backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print("listening on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    except KeyboardInterrupt:
        pass
