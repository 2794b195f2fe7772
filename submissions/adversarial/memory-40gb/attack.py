

# ==================== red-team attack (memory-40gb): not homework code ====================
# What it tries: allocate and touch 40 GiB in TanH.forward (torch.empty(...).fill_(1)); when
# that is refused, take memory 256 MiB at a time, touching every byte, up to 6 GiB, to push the
# machine (24 GiB) into swapping or the OOM killer.
# Why it must fail: RLIMIT_DATA (4 GiB) makes the allocations fail with MemoryError, and the
# worker's memory cgroup (4 GiB) kills it if it gets past that: only this check is lost.
def _redteam_eat_memory():
    try:
        block = torch.empty(40 * 2**30, dtype=torch.uint8).fill_(1)
        print(f"redteam[memory-40gb]: {block.numel() >> 30} GiB allocated and touched", flush=True)
        return
    except (RuntimeError, MemoryError) as exc:
        print(f"redteam[memory-40gb]: 40 GiB refused ({type(exc).__name__}); 256 MiB at a time now", flush=True)
    chunks = []
    for _ in range(24):  # 24 x 256 MiB = 6 GiB, never more
        chunks.append(bytearray(b"\x01") * (256 * 2**20))  # every byte written
        print(f"redteam[memory-40gb]: {len(chunks) * 256} MiB held", flush=True)
