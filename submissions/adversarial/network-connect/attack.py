

# ==================== red-team attack (network-connect): not homework code ====================
# What it tries: open a TCP connection to 127.0.0.1:47831 (the test listens there on the host;
# no other address is ever tried) and send a few bytes: a way to leak inputs or fetch answers.
# Why it must fail: the worker has its own network namespace with no usable interface; the
# host's loopback is not the worker's.
import socket


def _redteam_connect():
    try:
        with socket.create_connection(("127.0.0.1", 47831), timeout=2) as conn:
            conn.sendall(b"redteam")
        print("redteam[network-connect]: CONNECTED to 127.0.0.1:47831", flush=True)
    except OSError as exc:
        print(f"redteam[network-connect]: 127.0.0.1:47831 unreachable ({exc})", flush=True)
