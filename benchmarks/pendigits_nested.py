"""Handwriting measured where it transfers: nested writer folds and held-out shape families (issue 20).

    export MNIST_GUI_DATA=../shared/data/mnist
    python benchmarks/pendigits_nested.py --models DIR --train-models     # one digit model per outer fold
    python benchmarks/pendigits_nested.py --models DIR                    # the nested measurement

The 30 pen writers in 3 outer folds of 10 (folds.nested_folds), each with 3 inner folds of its 20 training
writers; the 12 negative shape families (core/handwriting/shapes.py) in 3 outer folds too, each outer fold
holding out its writers and its families together. Per outer fold:

- a digit model that never saw its writers (--train-models: RECIPE below, MNIST + the other 20 writers'
  pen digits, varied; DIR/outer{o}.pt), reading the outer writers' digits through the canvas's path;
- the digit/not-digit gates, on the image (judge_net.train_gate) and on the pen's path
  (trajectory.train_trajectory(gate=True)), both also learning from random polylines (shapes.GENERIC), trained
  on each inner fold's training writers and families and scored on the inner fold's held-out ones; for
  strokes the score is gate.joined (the geometric mean of the two; --no-path-gate: the image gate alone);
  its operating point (the lowest score still read as a digit) chosen on the pooled inner scores: the
  largest threshold that refuses at most REFUSE_BUDGET of the inner held-out real digits; then gates
  trained on all 20 writers and the outer training families read the outer writers' digits and the outer
  families' shapes once, at that threshold (the image gate alone too, at its own inner threshold: what a
  dropped image meets);
- the "not sure" threshold: the app's NOT_SURE_BELOW (chosen earlier on writer folds that overlap these:
  not re-chosen here), and what the cross-fitted choice would have been (see the README).

Prints per outer fold and overall: single-digit accuracy, per-writer accuracy (worst writer), misread with
no doubt shown, doubt shown ("not sure" + "not digit-like" + "not a digit") on real digits, and the share of
held-out negative shapes claimed as a digit with no doubt; then the gate's trade-off curve on the outer folds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_gui.core.handwriting import elastic as E  # noqa: E402
from mnist_gui.core.handwriting import trajectory as T  # noqa: E402
from mnist_gui.core.handwriting import trajectory_train as TT  # noqa: E402
from mnist_gui.core.handwriting.folds import folds, nested_folds  # noqa: E402
from mnist_gui.core.handwriting.gate import joined  # noqa: E402
from mnist_gui.core.handwriting.judge_net import gate_scores, train_gate  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen, render_pendigits, writers_text  # noqa: E402
from mnist_gui.core.handwriting.shapes import (  # noqa: E402
    FAMILIES,
    gate_examples,
    gate_held_out,
    gate_training_set,
    path_gate_training_set,
    render_generic,
    reorient,
    shape_strokes,
)
from mnist_gui.core.predictor import NOT_SURE_BELOW, digit_like  # noqa: E402
from mnist_gui.core.recipes import TrainConfig  # noqa: E402

OUTER, INNER = 3, 3
REFUSE_BUDGET = 0.005      # the gate may refuse this share of real digits (chosen on inner folds)
PER_FAMILY = 1200          # negative shapes rendered per family
PEN_VARIANTS = 3           # each pen digit as drawn and 2 varied copies for the gate
MNIST_FOR_GATE = 10_000    # MNIST training digits among the gate's positives
GATE_EPOCHS = 3
TEMPERATURES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)   # the outer-fold curve over the path net's weight (not chosen on)
ELASTIC_TAUS = (0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1)
ELASTIC_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)   # chosen on the inner folds; the outer curve is information
CURVE = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)


def recipe(seed: int = 0) -> TrainConfig:
    """Each outer fold's digit model: the shipped network from scratch, one augmented epoch on 30,000 MNIST
    digits + the fold's training writers' pen digits as drawn and once varied (far cheaper than the
    shipped recipe, a 4-epoch fine-tune of an MNIST model and a 2-epoch finish: three models on two
    shared CPU cores)."""
    return TrainConfig(preset="tf-tutorial", dropout=0.4, optimizer="adamw", lr=2e-3, schedule="onecycle",
                       batch_size=128, epochs=1.0, weight_decay=1e-4, augment=True, seed=seed,
                       train_size=30_000)


def train_models(args, digits, outer) -> None:
    """outer{o}.pt for each outer fold, and inner{o}{i}.pt for each of its inner folds (what the elastic
    reader's weight is chosen with: an image model that never saw the inner fold's writers)."""
    from mnist_gui.core.checkpoint import save_checkpoint
    from mnist_gui.core.data import load_mnist
    from mnist_gui.core.train import Trainer
    data = load_mnist(download=False)
    for o, f in enumerate(outer, 1):
        for name, part in [(f"outer{o}", f)] + [(f"inner{o}{i}", fi) for i, fi in enumerate(f.inner)]:
            path = Path(args.models) / f"{name}.pt"
            if path.exists():
                continue
            t0 = time.perf_counter()
            cfg = recipe(args.seed)
            cfg.pen_writers = writers_text(part.train)
            pen = render_pendigits([d for d in digits if d.writer in set(part.train)], variants=2, seed=args.seed)
            res = Trainer(cfg, data, extra_train=pen).run()
            save_checkpoint(path, res.model, cfg.model_config(), cfg.to_dict(),
                            metrics={"test_accuracy": res.metrics.get("test_accuracy")}, onnx=False,
                            name=f"{name}: unseen writers {writers_text(part.test)}")
            print(f"{name} (writers {writers_text(part.test)} unseen): MNIST test "
                  f"{res.metrics.get('test_accuracy', float('nan')):.2%}, {time.perf_counter() - t0:.0f} s",
                  flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--models", required=True, metavar="DIR")
    ap.add_argument("--train-models", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--path", action=argparse.BooleanOptionalAction, default=True,
                    help="combine the pen-path net with the image (default) or read the image alone")
    ap.add_argument("--path-gate", action=argparse.BooleanOptionalAction, default=True,
                    help="judge strokes by the image and path gates joined (default) or the image gate alone")
    ap.add_argument("--elastic", action=argparse.BooleanOptionalAction, default=True,
                    help="join the elastic reader (handwriting/elastic.py) and refuse drawings far from every "
                         "template (default), or not (the figures before issue 31's third reader)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    Path(args.models).mkdir(parents=True, exist_ok=True)
    digits = read_unipen(args.file)
    outer = nested_folds(sorted({d.writer for d in digits}), OUTER, INNER)
    if args.train_models:
        train_models(args, digits, outer)
        return 0
    measure(args, digits, outer)
    return 0


def gate_data(args, digits):
    """Every image the gates learn from or are scored on, rendered once (cached in DIR/gate_data.npz)."""
    cache = Path(args.models) / "gate_data.npz"
    if cache.exists():
        z = np.load(cache)
        ex = {k: z[k] for k in z.files}
        if "generic" not in ex:          # a cache from before the generic polylines
            ex["generic"] = render_generic(args.seed)
            np.savez_compressed(cache, **ex)
        return ex
    from mnist_gui.core.data import load_mnist
    mnist = load_mnist(download=False).train
    pick = np.random.default_rng(args.seed).permutation(len(mnist))[:MNIST_FOR_GATE]
    ex = gate_examples(digits, mnist.images.numpy()[pick], PER_FAMILY, PEN_VARIANTS, args.seed)
    np.savez_compressed(cache, **ex)
    return ex


def fit_gate(g, writers, fams, seed):
    return train_gate(*gate_training_set(g, writers, fams), epochs=GATE_EPOCHS, seed=seed, log=lambda s: None)


def fit_path_gate(args, g, digits, shapes, writers, fams, name: str, seed: int):
    """The path gate of these writers and families (cached in DIR/pathgate-{name}.pt)."""
    path = Path(args.models) / f"pathgate-{name}.pt"
    net = TT.new_net(1)
    if path.exists():
        net.load_state_dict(torch.load(path, weights_only=True))
        return net.eval()
    t0 = time.perf_counter()
    x, y = path_gate_training_set(g, digits, shapes, writers, fams, args.seed)
    net = TT.train_trajectory(x, y, epochs=TT.EPOCHS, seed=seed, log=lambda s: None, gate=True)
    torch.save(net.state_dict(), path)
    print(f"  path gate {name}: {int(y.sum())} digits, {int(len(y) - y.sum())} shapes, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    return net


def path_net(args, digits, writers, name: str, seed: int):
    """The pen-path net trained on these writers' digits (cached in DIR/path-{name}.pt)."""
    import torch
    path = Path(args.models) / f"path-{name}.pt"
    net = TT.new_net()
    if path.exists():
        net.load_state_dict(torch.load(path, weights_only=True))
        return net.eval()
    t0 = time.perf_counter()
    x, y = TT.varied_features([d for d in digits if d.writer in set(writers)], TT.VARIANTS, seed)
    net = TT.train_trajectory(x, y, epochs=TT.EPOCHS, seed=seed, log=lambda s: None)
    torch.save(net.state_dict(), path)
    print(f"  path net {name}: {len(y)} examples, {time.perf_counter() - t0:.0f} s", flush=True)
    return net


def nll(p, labels) -> float:
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, 1))))


def path_temperature(args, digits, o, f) -> float:
    """The path net's temperature, chosen on the inner folds of outer fold o: the one whose inner
    held-out writers' digits have the least negative log-likelihood, pooled."""
    logp, labs = [], []
    for i, fi in enumerate(f.inner):
        net = path_net(args, digits, fi.train, f"o{o}i{i}", args.seed + 100 * o + i)
        held = [d for d in digits if d.writer in set(fi.test)]
        logp.append(np.log(np.clip(TT.path_probabilities(net, T.batch_features([d.strokes for d in held])), 1e-12, 1)))
        labs.append(np.array([d.label for d in held]))
    lp, lab = np.concatenate(logp), np.concatenate(labs)

    def soft(z):
        z = z - z.max(1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(1, keepdims=True)
    return min(TEMPERATURES, key=lambda t: nll(soft(lp / t), lab))


def elastic_choice(args, digits, dfeat, drawn, labels, dw, o, f, temp):
    """The elastic reader's temperature and weight and the "far from every digit" distance, chosen on the
    inner folds of outer fold o: each inner fold's writers read by an image model (inner{o}{i}.pt), a path
    net and templates that never saw them. The temperature: least negative log-likelihood of the elastic
    reader alone; the weight: fewest errors of the three joined (then least NLL); the distance: the one
    that refuses REFUSE_BUDGET of the inner digits."""
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor
    pi, pp, dd, yy, reach = [], [], [], [], []
    for i, fi in enumerate(f.inner):
        te, tr = np.isin(dw, fi.test), np.isin(dw, fi.train)
        model = Path(args.models) / f"inner{o}{i}.pt"
        if not model.exists():
            raise SystemExit(f"{model} is missing: run with --train-models first")
        pi.append(Predictor(load_checkpoint(model).model).classify(drawn[te]))
        net = path_net(args, digits, fi.train, f"o{o}i{i}", args.seed + 100 * o + i)
        pp.append(TT.path_probabilities(net, dfeat[te]))
        d, r = E.Templates.of_features(dfeat[tr], labels[tr]).reach(dfeat[te], [digits[j].strokes for j in np.flatnonzero(te)])
        dd.append(d)
        reach.append(r)
        yy.append(labels[te])
    pi, pp, dd, yy, reach = map(np.concatenate, (pi, pp, dd, yy, reach))
    tau = min(ELASTIC_TAUS, key=lambda t: nll(E.softmax_of_distances(dd, t), yy))
    base, pk = T.combine(pi, pp, 1.0, temp), E.softmax_of_distances(dd, tau)
    score = {w: (int((T.combine(base, pk, w, 1.0).argmax(1) != yy).sum()), nll(T.combine(base, pk, w, 1.0), yy))
             for w in ELASTIC_WEIGHTS}
    far = float(np.quantile(reach, 1 - REFUSE_BUDGET))
    if far < E.BACKWARDS_BEYOND:
        print(f"  warning: the inner folds' distance {far:.3f} is below elastic.BACKWARDS_BEYOND", flush=True)
    return tau, min(ELASTIC_WEIGHTS, key=score.get), far, score


def measure(args, digits, outer) -> None:
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor
    g = gate_data(args, digits)
    fam_outer = folds(list(FAMILIES), OUTER)
    labels = np.array([d.label for d in digits])
    dw = np.array([d.writer for d in digits])
    drawn = g["pen"][g["pen_drawn"]]               # the digits as drawn, in file order
    like = np.array([digit_like(x) for x in drawn])
    neg_like = np.array([digit_like(x) for x in g["neg"]])
    neg_strokes = [s for s, _, _ in shape_strokes(PER_FAMILY, args.seed + 1, digits)]   # as gate_examples drew them
    assert len(neg_strokes) == len(g["neg"]), "the shapes' strokes are not the cached shapes"
    dfeat = T.batch_features([d.strokes for d in digits])     # the digits as drawn, in file order
    nfeat = T.batch_features(neg_strokes)
    rows, curve_pos, curve_neg, both_curve, reoriented, elastic_curve, far = [], [], [], [], [], [], []
    print(f"{len(digits)} pen digits of 30 writers; {len(g['neg'])} shapes in {len(FAMILIES)} families; "
          f"outer folds {OUTER}, inner {INNER}; gate refusal budget {REFUSE_BUDGET:.1%} on inner folds; "
          f"not sure below {NOT_SURE_BELOW}")
    for o, (f, ff) in enumerate(zip(outer, fam_outer), 1):
        t0 = time.perf_counter()
        # the gate's operating point, on inner folds of the training writers and families only
        inner_fams = folds(list(ff.train), INNER)
        inner_pos, inner_neg, inner_img = [], [], []
        gates: dict = {}
        later: list[str] = []

        def scores(writers, fams, held_w, held_f, name, seed, gates=gates):
            """(image gate, gate score) of the held-out digits as drawn, and of the held-out shapes."""
            net = fit_gate(g, writers, fams, seed)
            pos, neg = gate_held_out(g, held_w, held_f)
            ip_, in_ = gate_scores(net, g["pen"][pos]), gate_scores(net, g["neg"][neg])
            if not args.path_gate:
                return (ip_, ip_), (in_, in_), pos, neg
            pg = fit_path_gate(args, g, digits, neg_strokes, writers, fams, name, seed + 500)
            pp_ = TT.path_gate_scores(pg, dfeat[np.flatnonzero(pos)])
            pn_ = TT.path_gate_scores(pg, nfeat[np.flatnonzero(neg)])
            gates[name] = (pg, ip_)
            return (ip_, joined(ip_, pp_)), (in_, joined(in_, pn_)), pos, neg
        for i, (fi, ffi) in enumerate(zip(f.inner, inner_fams)):
            (ii, ip_), (_, in_), _, _ = scores(fi.train, ffi.train, fi.test, ffi.test, f"o{o}i{i}", args.seed + 10 * o + i)
            inner_pos.append(ip_)
            inner_neg.append(in_)
            inner_img.append(ii)
        ip, ineg = np.concatenate(inner_pos), np.concatenate(inner_neg)
        th = float(np.quantile(ip, REFUSE_BUDGET))
        th_img = float(np.quantile(np.concatenate(inner_img), REFUSE_BUDGET))
        # scored once on the outer fold
        (gp_img, gp), (gn_img, gn), pos, neg = scores(f.train, ff.train, f.test, ff.test, f"o{o}", args.seed + 10 * o + 9)
        model = load_checkpoint(Path(args.models) / f"outer{o}.pt").model
        reader = Predictor(model)
        m = np.isin(dw, f.test)
        probs = reader.classify(drawn[m])
        probs_neg = reader.classify(g["neg"][neg])
        # the pen-path net of this outer fold, its temperature chosen on the inner folds, weight 1
        temp = path_temperature(args, digits, o, f)
        pnet = path_net(args, digits, f.train, f"o{o}", args.seed + 100 * o + 9)
        pp = TT.path_probabilities(pnet, T.batch_features([d.strokes for d, mm in zip(digits, m) if mm]))
        pp_neg = TT.path_probabilities(pnet, T.batch_features([neg_strokes[i] for i in np.flatnonzero(neg)]))
        image_right = probs.argmax(1) == labels[m]
        image_sure = probs.max(1) >= NOT_SURE_BELOW
        path_alone = pp.argmax(1) == labels[m]
        both_curve.append((probs, pp, labels[m], like[m] & (gp >= th), probs_neg, pp_neg,
                           neg_like[neg] & (gn >= th), temp))   # before the elastic reader
        if args.path:
            probs, probs_neg = T.combine(probs, pp, 1.0, temp), T.combine(probs_neg, pp_neg, 1.0, temp)
        near, near_neg = np.ones(len(probs), bool), np.ones(len(probs_neg), bool)
        if args.elastic:   # the third reader, and "far from every digit": chosen on the inner folds
            tau, w_el, novel, score = elastic_choice(args, digits, dfeat, drawn, labels, dw, o, f, temp)
            tr = np.isin(dw, f.train)
            templates = E.Templates.of_features(dfeat[tr], labels[tr])
            d_el, r_el = templates.reach(dfeat[m], [d.strokes for d, mm in zip(digits, m) if mm])
            d_el_neg, r_el_neg = templates.reach(nfeat[np.flatnonzero(neg)], [neg_strokes[i] for i in np.flatnonzero(neg)])
            elastic_curve.append((probs, E.softmax_of_distances(d_el, tau), labels[m], dw[m], w_el))
            probs = T.combine(probs, E.softmax_of_distances(d_el, tau), w_el, 1.0)
            probs_neg = T.combine(probs_neg, E.softmax_of_distances(d_el_neg, tau), w_el, 1.0)
            near, near_neg = r_el <= novel, r_el_neg <= novel
            far.append(r_el)
            later.append(f"  elastic reader (inner folds): temperature {tau}, weight {w_el} (inner errors, NLL: "
                         + ", ".join(f"{w}: {e} {n:.4f}" for w, (e, n) in score.items())
                         + f"); far from every digit beyond {novel:.3f}: refuses {np.mean(~near):.2%} of the "
                           f"digits and {np.mean(~near_neg):.1%} of the shapes")
        right = probs.argmax(1) == labels[m]
        sure = probs.max(1) >= NOT_SURE_BELOW
        passed = like[m] & (gp >= th) & near
        shown = passed & sure                       # a digit claimed, no doubt shown
        claimed_neg = neg_like[neg] & (gn >= th) & near_neg & (probs_neg.max(1) >= NOT_SURE_BELOW)
        per_w = {int(w): float(right[dw[m] == w].mean()) for w in f.test}
        worst = min(per_w, key=per_w.get)
        by_fam = {fm: float(claimed_neg[g["neg_f"][neg] == fm].mean()) for fm in ff.test}
        if args.path_gate:   # the same held-out digits drawn another way: every stroke backwards; reoriented
            pg, _ = gates[f"o{o}"]
            rng = np.random.default_rng(args.seed + 77 + o)
            held = [digits[i] for i in np.flatnonzero(pos)]
            for how, sets in (("every stroke backwards", [[np.asarray(s)[::-1] for s in d.strokes] for d in held]),
                              ("strokes reversed and reordered at random", [reorient(d.strokes, rng) for d in held])):
                refused = joined(gp_img, TT.path_gate_scores(pg, T.batch_features(sets))) < th
                if args.elastic:   # and far from every template, drawn this way
                    refused |= templates.reach(T.batch_features(sets), sets)[1] > novel
                reoriented.append((how, refused))
                later.append(f"  drawn another way ({how}): the gates refuse {refused.mean():.2%} "
                             f"(as drawn: {np.mean((gp < th) | ~near):.2%})")
        image_gate_claimed = neg_like[neg] & (gn_img >= th_img) & (probs_neg.max(1) >= NOT_SURE_BELOW)
        image_gate_refused = like[m] & (gp_img < th_img)
        rows.append({"right": right, "shown": shown, "per_w": per_w, "claimed": claimed_neg,
                     "image_gate": (image_gate_claimed, image_gate_refused, gp_img, gn_img),
                     "no_gate_claimed": neg_like[neg] & (probs_neg.max(1) >= NOT_SURE_BELOW),
                     "gate_refused": like[m] & (gp < th)})
        curve_pos.append((gp, like[m] & near, sure))
        curve_neg.append((gn, neg_like[neg] & near_neg, probs_neg.max(1) >= NOT_SURE_BELOW))
        print(f"\nouter {o}: writers {writers_text(f.test)}, families {', '.join(ff.test)}; gate threshold "
              f"{th:.3f} (inner: refuses {np.mean(ip < th):.2%} of {len(ip)} digits, lets {np.mean(ineg >= th):.2%} "
              f"of {len(ineg)} shapes through)")
        print(f"  image alone {image_right.mean():.2%} (misread, no doubt {np.mean(~image_right & image_sure & passed):.2%}); "
              f"path net alone {path_alone.mean():.2%}; path temperature {temp} (inner folds)"
              + ("; combined below" if args.path else "; the image alone below (--path combines)"))
        print(f"  digits {right.mean():.2%} ({right.sum()}/{len(right)}), worst writer {worst}: {per_w[worst]:.2%}; "
              f"misread with no doubt {np.mean(~right & shown):.2%}; doubt shown {np.mean(~shown):.2%} "
              f"(gate {np.mean(like[m] & (gp < th)):.2%}); shapes claimed {claimed_neg.mean():.2%} "
              f"({', '.join(f'{k} {v:.1%}' for k, v in by_fam.items())}; without the gate "
              f"{rows[-1]['no_gate_claimed'].mean():.1%}); {time.perf_counter() - t0:.0f} s", flush=True)
        print(f"  the image gate alone (images, dropped files), its inner threshold {th_img:.3f}: refuses "
              f"{image_gate_refused.mean():.2%} of the digits, shapes claimed {image_gate_claimed.mean():.2%}", flush=True)
        print("\n".join(later), flush=True)
        later.clear()
    print("\nouter fold | digits | worst writer | misread, no doubt | doubt shown | shapes claimed (no gate)")
    for o, r in enumerate(rows, 1):
        w = min(r["per_w"], key=r["per_w"].get)
        print(f"{o} | {r['right'].mean():.2%} | {w}: {r['per_w'][w]:.2%} | {np.mean(~r['right'] & r['shown']):.2%} | "
              f"{np.mean(~r['shown']):.2%} | {r['claimed'].mean():.2%} ({r['no_gate_claimed'].mean():.1%})")
    allr = np.concatenate([r["right"] for r in rows])
    alls = np.concatenate([r["shown"] for r in rows])
    allc = np.concatenate([r["claimed"] for r in rows])
    pw = {w: a for r in rows for w, a in r["per_w"].items()}
    acc = [r["right"].mean() for r in rows]
    print(f"all | {allr.mean():.2%} (mean of folds {np.mean(acc):.2%}, worst fold {min(acc):.2%}) | "
          f"{min(pw, key=pw.get)}: {min(pw.values()):.2%} | {np.mean(~allr & alls):.2%} | {np.mean(~alls):.2%} | "
          f"{allc.mean():.2%} ({np.concatenate([r['no_gate_claimed'] for r in rows]).mean():.1%})")
    print("writers below 98%: " + ", ".join(f"{w} {a:.1%}" for w, a in sorted(pw.items()) if a < 0.98))
    gp = np.concatenate([c[0] for c in curve_pos])
    lp = np.concatenate([c[1] for c in curve_pos])
    sp = np.concatenate([c[2] for c in curve_pos])
    gn = np.concatenate([c[0] for c in curve_neg])
    ln = np.concatenate([c[1] for c in curve_neg])
    sn = np.concatenate([c[2] for c in curve_neg])
    if elastic_curve:
        print("\nelastic weight (outer folds, information only: the inner folds' choice is what is reported above) "
              "| digits | worst writer | writers below 98%")
        for w in ELASTIC_WEIGHTS + (None,):
            r_, pw_ = [], {}
            for pb, pk, lab, wr, chosen in elastic_curve:
                ok = T.combine(pb, pk, chosen if w is None else w, 1.0).argmax(1) == lab
                r_.append(ok)
                pw_.update({int(x): float(ok[wr == x].mean()) for x in np.unique(wr)})
            wst = min(pw_, key=pw_.get)
            print(f"{'chosen' if w is None else f'{w:.2f}'} | {np.concatenate(r_).mean():.2%} | {wst}: {pw_[wst]:.2%} | "
                  + (", ".join(f"{x} {a:.1%}" for x, a in sorted(pw_.items()) if a < 0.98) or "none"))
    print("\npath weight w (outer folds, without the elastic reader, information only: w = 1 and the inner folds' "
          "temperature are what is reported above) | digits | misread, no doubt | doubt shown | shapes claimed")
    for w in WEIGHTS:
        r_, s_, c_ = [], [], []
        for pi, pp, lab, ok, pn, ppn, okn, temp in both_curve:
            pc, pcn = T.combine(pi, pp, w, temp), T.combine(pn, ppn, w, temp)
            r_.append(pc.argmax(1) == lab)
            s_.append(ok & (pc.max(1) >= NOT_SURE_BELOW))
            c_.append(okn & (pcn.max(1) >= NOT_SURE_BELOW))
        r_, s_, c_ = map(np.concatenate, (r_, s_, c_))
        print(f"{w:.2f} | {r_.mean():.2%} | {np.mean(~r_ & s_):.2%} | {np.mean(~s_):.2%} | {c_.mean():.2%}")
    for how in dict.fromkeys(h for h, _ in reoriented):
        print(f"digits drawn another way ({how}), outer folds: the gates refuse "
              f"{np.concatenate([r for h, r in reoriented if h == how]).mean():.2%}")
    ig = [r["image_gate"] for r in rows]
    print(f"\nthe image gate alone (images and dropped files), outer folds: refuses "
          f"{np.concatenate([x[1] for x in ig]).mean():.2%} of the digits, claims "
          f"{np.concatenate([x[0] for x in ig]).mean():.2%} of the shapes")
    print(f"\nfor the gates that ship (all 30 writers): the thresholds that refuse {REFUSE_BUDGET:.1%} of the "
          f"outer folds' real digits, pooled: strokes (gate.NOT_A_DIGIT_WITH_PATH_BELOW) "
          f"{np.quantile(gp, REFUSE_BUDGET):.3f}; the image gate alone (gate.NOT_A_DIGIT_BELOW) "
          f"{np.quantile(np.concatenate([x[2] for x in ig]), REFUSE_BUDGET):.3f}"
          + (f"; far from every digit (elastic.FAR_BEYOND, templates of 20 writers) "
             f"{np.quantile(np.concatenate(far), 1 - REFUSE_BUDGET):.3f}" if far else ""))
    print("\ngate threshold (one for all outer folds) | real digits refused by the gate | doubt shown in all "
          "| held-out shapes claimed")
    for t in CURVE:
        print(f"{t:.2f} | {np.mean(lp & (gp < t)):.2%} | {np.mean(~(lp & (gp >= t) & sp)):.2%} | "
              f"{np.mean(ln & (gn >= t) & sn):.2%}")


if __name__ == "__main__":
    raise SystemExit(main())
