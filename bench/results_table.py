#!/usr/bin/env python3
"""Prints the side-by-side tables of a hostbpf_bench JSON run (Markdown).

Usage: results_table.py results.json
Uses the median of the repetitions when the run has them (with their
coefficient of variation as ±N%), else the single run.
Run-time figures are the "per_item" counter in ns: per run (trivial), per loop
iteration (compute), per map operation (lookups; lookup+update pairs for
hash_update). Verification figures ("verify/<workload>/<engine>") are the wall
time per verification in µs (kernel: its log's "verification time") and the
counter processed_insns. The kfunc tables (kfunc calls, kfunc ID sets,
bpf_cpumask create+release) follow when the run has those benchmarks.
"""
import json
import sys

UNITS = {
    "trivial": "ns / run",
    "compute": "ns / loop iteration",
    "hash_lookup": "ns / lookup",
    "hash_update": "ns / (lookup + update)",
    "array_lookup": "ns / lookup",
}
# DESIGN.md "Performance targets": (bound on hostbpf's interpreter figure or
# None, the reference figures of that section).
TARGETS = {
    "trivial": (5.0, "invocation < 5 ns (kernel ref. 30)"),
    "compute": (47.2, "interp ≤ 47.2 (5x better than uBPF's 236); kernel ref. 2.48, native 1.91"),
    "hash_lookup": (20.0, "lookup < 20 ns (kernel ref. 31)"),
    "hash_update": (None, "kernel ref. 146"),
    "array_lookup": (None, "kernel ref. ~1.5"),
}
ENGINES = ["interp", "interp_test_run", "jit", "native", "kernel"]


def load(path):
    with open(path) as f:
        data = json.load(f)
    per = {}  # (workload, engine) -> ns per item
    cv = {}   # (workload, engine) -> coefficient of variation over the repetitions
    errors = {}
    has_median = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    for b in data["benchmarks"]:
        if b["run_name"].startswith("verify/"):
            continue
        if b.get("aggregate_name") == "cv" and "per_item" in b:
            parts = b["run_name"].split("/")
            cv[(parts[0], parts[1])] = b["per_item"]
        if has_median and b.get("aggregate_name") != "median":
            if b.get("error_occurred"):
                name = b["run_name"].split("/")
                errors[(name[0], name[1])] = b.get("error_message", "error")
            continue
        parts = b["run_name"].split("/")
        key = (parts[0], parts[1])
        if b.get("error_occurred"):
            errors[key] = b.get("error_message", "error")
            continue
        if "per_item" in b:
            per[key] = b["per_item"] * 1e9
    return data["context"], per, cv, errors


def fmt(v):
    if v is None:
        return "—"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}x"


def load_verification(path):
    """(workload, engine) -> (µs per verification, processed insns, insns) or an error string."""
    with open(path) as f:
        data = json.load(f)
    has_median = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    out = {}
    for b in data["benchmarks"]:
        if not b["run_name"].startswith("verify/"):
            continue
        _, workload, engine = b["run_name"].split("/")[:3]
        if b.get("error_occurred"):
            out[(workload, engine)] = b.get("error_message", "error")
            continue
        if has_median and b.get("aggregate_name") != "median":
            continue
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
        t = b["real_time"]  # wall time on both sides: the kernel's figure is ktime around its verifier
        out[(workload, engine)] = (t * scale, b.get("processed_insns"), b.get("insns"))
    return out


def print_verification(ver):
    if not ver:
        return
    print()
    head = ["program", "insns", "hostbpf processed", "hostbpf µs", "kernel processed", "kernel µs",
            "kernel/hostbpf time", "target (≥ 3x faster, processed ≤ kernel)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for w in UNITS:
        h, k = ver.get((w, "hostbpf")), ver.get((w, "kernel"))
        if h is None and k is None:
            continue
        row = [w]
        if isinstance(h, str):
            row += ["—", "error", "—"]
        elif h:
            row += [fmt(h[2]), f"{h[1]:.0f}", fmt(h[0])]
        else:
            row += ["—"] * 3
        if isinstance(k, str):
            row += ["skipped", "—"]
        elif k:
            row += [f"{k[1]:.0f}", fmt(k[0])]
        else:
            row += ["—"] * 2
        if isinstance(h, tuple) and isinstance(k, tuple) and h[0] > 0:
            speedup = k[0] / h[0]
            row.append(f"{speedup:.1f}x")
            fewer = h[1] <= k[1]
            met = speedup >= 3 and fewer
            why = [] if met else ([f"{speedup:.1f}x < 3x"] if speedup < 3 else []) + (
                [f"{h[1]:.0f} > {k[1]:.0f} processed"] if not fewer else [])
            row.append("yes" if met else "**no**: " + ", ".join(why))
        else:
            row += ["—", "—"]
        print("| " + " | ".join(row) + " |")
    for (w, e), v in sorted(ver.items()):
        if isinstance(v, str):
            print(f"\n`verify/{w}/{e}`: {v}")


# Issue 4 (kfuncs and the cpumask library; bench/kfunc.cpp, kfunc_set.cpp,
# cpumask.cpp): ns per call, per create+release pair, per registration or lookup.
KFUNC_CALL_ROWS = {
    "kfunc_call": "100 x bench_add(acc, i): kfunc (interp) / function pointer (native)",
    "kfunc_call_loop": "the loop alone, 100 iterations",
    "kfunc_call_helper": "100 x bpf_get_smp_processor_id()",
    "kfunc_call_loop_10k": "the loop alone, 10000 iterations",
    "kfunc_call_helper_10k": "10000 x bpf_get_smp_processor_id()",
}
KFUNC_SET_ROWS = {
    "register_256_per_hook": "ns / registration of a 256-entry set (one per hook)",
    "register_256_sets_of_1": "ns / registration of a 1-entry set (256 into one hook)",
    "lookup_common": "ns / lookup (found in COMMON)",
    "lookup_hook": "ns / lookup (COMMON misses, the hook hits)",
    "lookup_hook_filtered": "ns / lookup (as above, plus the hook's filter)",
}
ISSUE4_ENGINES = [("interp", "hostbpf interp"), ("native", "native C++"), ("kernel", "kernel JIT (wall)")]


def cell(per, cv, errors, key):
    if key in errors:
        return "error"
    if key in cv and key in per:
        return f"{fmt(per[key])} ±{cv[key] * 100:.0f}%"
    return fmt(per.get(key))


def print_kfunc_tables(per, cv, errors):
    names = set(KFUNC_CALL_ROWS) | {"kfunc_set", "cpumask"}
    if not any(k[0] in names for k in list(per) + list(errors)):
        return
    print("\n### kfunc calls (ns per loop iteration, i.e. per call)\n")
    head = ["benchmark", "what"] + [h for _, h in ISSUE4_ENGINES] + ["interp/native"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for w, what in KFUNC_CALL_ROWS.items():
        row = [w, what] + [cell(per, cv, errors, (w, e)) for e, _ in ISSUE4_ENGINES]
        row.append(ratio(per.get((w, "interp")), per.get((w, "native"))))
        print("| " + " | ".join(row) + " |")
    call = {e: (per.get(("kfunc_call", e)), per.get(("kfunc_call_loop", e))) for e in ("interp", "native")}
    parts = [f"{e} {fmt(c - l)} ns" for e, (c, l) in call.items() if c is not None and l is not None]
    if parts:
        print("\nA call over the bare loop (kfunc_call - kfunc_call_loop): " + ", ".join(parts) + ".")

    print("\n### kfunc ID sets (hostbpf's KfuncRegistry, internal C++; no kernel column: the kernel "
          "registers at boot and module load only)\n")
    print("| case | unit | hostbpf |")
    print("|---|---|---|")
    for c, unit in KFUNC_SET_ROWS.items():
        print(f"| {c} | {unit} | {cell(per, cv, errors, ('kfunc_set', c))} |")

    print("\n### bpf_cpumask create+release (ns per pair, 1000 pairs per run)\n")
    head = ["benchmark"] + [h for _, h in ISSUE4_ENGINES] + ["interp/kernel", "native/kernel"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    row = ["cpumask"] + [cell(per, cv, errors, ("cpumask", e)) for e, _ in ISSUE4_ENGINES]
    row += [ratio(per.get(("cpumask", "interp")), per.get(("cpumask", "kernel"))),
            ratio(per.get(("cpumask", "native")), per.get(("cpumask", "kernel")))]
    print("| " + " | ".join(row) + " |")
    for (w, e), msg in sorted(errors.items()):
        if w in names:
            print(f"\n`{w}/{e}` failed: {msg}")


def main():
    ctx, per, cv, errors = load(sys.argv[1])
    if any(k[0] in UNITS for k in list(per) + list(errors)):
        print_workloads(per, cv, errors)
    print_verification(load_verification(sys.argv[1]))
    print_kfunc_tables(per, cv, errors)


def print_workloads(per, cv, errors):
    engines = [e for e in ENGINES if any(k[1] == e and k[0] in UNITS for k in list(per) + list(errors))]
    head = ["benchmark", "unit"] + [{"interp": "hostbpf interp (run)", "interp_test_run": "hostbpf interp (test_run)",
                                      "jit": "hostbpf JIT", "native": "native C++ -O2",
                                      "kernel": "kernel JIT"}[e] for e in engines]
    head += ["interp/kernel", "native/kernel", "DESIGN.md target", "interp meets it"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for w, unit in UNITS.items():
        row = [w, unit]
        for e in engines:
            if (w, e) in errors:
                row.append("error")
            elif (w, e) in cv and (w, e) in per:
                row.append(f"{fmt(per[(w, e)])} ±{cv[(w, e)] * 100:.0f}%")
            else:
                row.append(fmt(per.get((w, e))))
        row.append(ratio(per.get((w, "interp")), per.get((w, "kernel"))))
        row.append(ratio(per.get((w, "native")), per.get((w, "kernel"))))
        bound, text = TARGETS[w]
        row.append(text)
        got = per.get((w, "interp"))
        if bound is None or got is None:
            row.append("—")
        elif got <= bound:
            row.append(f"yes ({bound / got:.1f}x margin)")
        else:
            row.append(f"**no**: {got / bound:.1f}x over")
        print("| " + " | ".join(row) + " |")
    for (w, e), msg in sorted(errors.items()):
        if w in UNITS:
            print(f"\n`{w}/{e}` failed: {msg}")


if __name__ == "__main__":
    main()
