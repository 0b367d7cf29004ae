"""`python -m eval …` — generate cases, run the comparison eval, check real judgments, benchmark."""

from __future__ import annotations

import argparse
import json


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval")
    ap.add_argument("--llm", metavar="URL", help="run with the LLM at this OpenAI-compatible URL (models/llm)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="generate the three-document cases into eval/data")
    g.add_argument("--copy", action="store_true", help="first re-copy the judgments from /work/shared")
    g.add_argument("--generator", type=int, choices=[1, 2], default=1,
                   help="1: eval/generate.py; 2: the independent second generator eval/generate2.py")
    c = sub.add_parser("compare", help="recall/false findings on generated cases (+ real judgments)")
    c.add_argument("--split", choices=["dev", "test", "dev2", "test2", "dev3", "test3", "test4"], default="dev",
                   help="dev2/test2, dev3/test3: the second generator's variant passes (other seeds, wider "
                        "wordings); test4 is the fresh held-out split of issue 18 (test3 the one before the generator fixes)")
    c.add_argument("--limit", type=int, default=None)
    c.add_argument("--no-real", action="store_true", help="skip the run on the real judgments alone")
    c.add_argument("--generator", type=int, choices=[1, 2], default=1,
                   help="cases of eval/generate.py (1) or of the independent eval/generate2.py (2)")
    r = sub.add_parser("real", help="check the real judgments alone, list errors/warnings")
    r.add_argument("--limit", type=int, default=None)
    b = sub.add_parser("bench-check", help="speed: ms per three-document case")
    b.add_argument("--n", type=int, default=1000)
    b.add_argument("--split", choices=["dev", "test"], default="dev")
    from eval.tasks import discover

    tasks = {m.NAME: m for m in discover()}
    for name, mod in tasks.items():
        mod.add_arguments(sub.add_parser(name, help=mod.HELP))
    a = ap.parse_args(argv)
    if a.llm:  # sets JIANCHA_LLM_BASE_URL for this run (and its worker processes)
        import os

        from models.llm import reset

        os.environ["JIANCHA_LLM_BASE_URL"] = a.llm
        reset()
    if a.cmd in tasks:
        return tasks[a.cmd].run(a)

    if a.cmd == "generate":
        from eval.datasets import copy_judgments, load_judgments

        if a.copy:
            print(f"copied {copy_judgments()} judgments")
        if a.generator == 2:
            from eval.generate2 import write_outputs as write2

            print(json.dumps(write2(load_judgments()), ensure_ascii=False, indent=1))
            return 0
        from eval.generate import write_outputs

        print(json.dumps(write_outputs(load_judgments()), ensure_ascii=False, indent=1))
        return 0

    from eval import compare as cmp

    if a.cmd == "compare":
        if a.split not in ("dev", "test") and a.generator != 2:
            print(f"{a.split} 只有第二生成器（--generator 2）")
            return 2
        res = cmp.compare(a.split, a.limit, generator=a.generator)
        first = cmp.load_state().get(cmp.state_key(a.split, 1)) if a.generator != 1 else None
        recall_1 = first["recall_by_rule"] if first else {}
        print(f"generator {a.generator}, {res['split']}: {res['cases']} cases, recall micro "
              f"{res['recall']['micro']:.3f} macro {res['recall']['macro']:.3f}; false findings per 50 clean cases "
              f"{res['false']['per_50_cases']:.2f}; crashes {res['crashes']}")
        if first:
            print(f"generator 1, {a.split} (last run {first['date']}): {first['cases']} cases, recall micro "
                  f"{first['recall']['micro']:.3f} macro {first['recall']['macro']:.3f}; false findings per 50 "
                  f"clean cases {first['false']['per_50_cases']:.2f}")
        for rid, v in res["recall_by_rule"].items():
            beside = f"   (generator 1: {recall_1[rid]['recall']:.2f})" if rid in recall_1 else ""
            print(f"  {rid:40s} {v['detected']:4d}/{v['n']:<4d} {v['recall']:.2f}{beside}")
        if res["false"]["by_rule"]:
            print("  false on clean:", res["false"]["by_rule"])
            if first:
                print("  generator 1 false on clean:", first["false"]["by_rule"])
        if not a.no_real:
            rr = cmp.real(limit=a.limit)
            print(f"real judgments: {rr['findings']} errors/warnings in {rr['judgments_with_findings']} of "
                  f"{rr['judgments']}; {rr['by_rule']}")
        return 0
    if a.cmd == "real":
        rr = cmp.real(limit=a.limit)
        print(json.dumps(rr, ensure_ascii=False, indent=1))
        return 0
    if a.cmd == "bench-check":
        print(json.dumps(cmp.bench(a.n, a.split), ensure_ascii=False, indent=1))
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
