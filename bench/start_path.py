#!/usr/bin/env python3
"""The start path of `jvmm boot` natively, on a host without /dev/kvm: everything a boot does before it opens
/dev/kvm (JVM start, CLI parsing, logging, guest RAM, loading the guest), which then fails with exit 3. Beside it
the JVM's own floor (`java -Xshare:auto -version`: start and exit, no application). Interleaved runs.

Usage: start_path.py OUT_DIR REPEATS. Writes OUT_DIR/start.json.
"""
import json
import os
import sys

from whole_process import GUESTS, ROOT, run


def main():
    out, repeats = sys.argv[1], int(sys.argv[2])
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    tiny = [os.path.join(ROOT, "jvmm"), "boot", "--kernel", os.path.join(GUESTS, "reset-hello.bin"), "--format", "flat",
            "--irqchip", "--serial-input", "none"]
    variants = {
        "floor": ([java, "-Xshare:auto", "-version"], {}),
        "jvmm_aot": (tiny, {"JVMM_AOT": "1"}),  # the build's cache, as a user's ./jvmm runs
        "jvmm": (tiny, {}),  # run() turns the cache off by default
    }
    result = {name: {"wall_s": [], "rss_kib": [], "status": None} for name in variants}
    run(tiny)  # page cache warm-up, not counted
    for i in range(repeats):
        for name, (cmd, env) in variants.items():
            wall, rss, status, _, _ = run(cmd, env)
            result[name]["wall_s"].append(wall)
            result[name]["rss_kib"].append(rss)
            result[name]["status"] = status
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, "start-class-load.log")
    run(tiny, {"JVMM_JAVA_OPTS": f"-Xlog:class+load=info:file={log}:uptime"})  # phases, without the AOT cache
    result["aot_cache"] = os.path.exists(os.path.join(ROOT, "vmm-core/target/jvmm.aot"))
    with open(os.path.join(out, "start.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
