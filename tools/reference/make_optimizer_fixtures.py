#!/usr/bin/python3
"""Reference trajectories of torch.optim for descent's optimizer plugins.

Writes tests/plugins/fixtures/<optimizer>.json, one file per optimizer plugin,
which tests/plugins/test_fixtures.cpp replays through the C ABI. The fixture
files are committed: PyTorch is only needed to regenerate them, never to
build or test descent.

Run (from anywhere; Debian's python3-torch 1.13 lives in /usr/bin/python3):

    /usr/bin/python3 tools/reference/make_optimizer_fixtures.py [--check]

--check regenerates in memory and exits 1 if a committed file differs.
Running the script twice gives byte-identical files (seeded torch.Generator,
single-threaded CPU, shortest round-trip repr of every number).

Each case stores
  hparams  the full set of plugin hyperparameters, by the names the plugin
           declares (booleans as 0/1), to pass to create() as they are;
  torch    the torch.optim call that made the trajectory;
  params0  the initial parameters, and grads[k] the gradient of step k+1 -
           both exactly representable in float32, so the float32 and the
           float64 runs start from identical numbers;
  lrs[k]   the learning rate of step k+1 (the host sends lr on every step);
  float64  the parameters after every step, computed by torch in float64;
  float32  the same computed by torch in float32 (each float32 written as
           the double it converts to exactly).
Every case has an all-zero gradient at step ZERO_STEP and one element
(ZERO_ELEMENT) whose gradient is exactly 0 on every step.

Mapping to torch (1.13): betas = (beta1, beta2); `sgd` is SGD (momentum 0 by
default), `momentum` is SGD(momentum=0.9), `nesterov` is SGD(nesterov=True,
momentum=0.9, dampening=0), `amsgrad` is Adam(amsgrad=True), `lion` is the
reference implementation below (torch 1.13 has no Lion). Every other name is
torch's keyword. All run torch's single-tensor code (foreach=False, 1.13's
CPU default) except NAdam, which runs foreach=True: see its entry. Each run sets torch's default dtype to the run's dtype, so
scalar state such as NAdam's mu_product (made by torch.tensor(1.)) has the
run's precision instead of float32.
"""

import argparse
import json
import math
import os
import sys
import zlib

import torch

N = 7  # parameters per case
STEPS = 12
ZERO_STEP = 5  # 1-based step whose gradient is all zeros
ZERO_ELEMENT = 2  # element whose gradient is 0 on every step
MAX_F32_GAP = 2e-6  # float32 vs float64 relative gap allowed in a case
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "tests", "plugins", "fixtures")
GENERATOR = "tools/reference/make_optimizer_fixtures.py"

# lr multipliers for the "varying lr" cases: warm-up, decay, restarts.
LR_FACTORS = [0.5, 1.0, 2.0, 1.5, 1.0, 0.75, 0.5, 0.25, 1.0, 3.0, 0.1, 1.0]


class Lion:
    """Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
    Algorithm 2, per step with learning rate lr:
        c = beta1 * m + (1 - beta1) * g
        w = w - lr * (sign(c) + weight_decay * w)      (sign(0) = 0)
        m = beta2 * m + (1 - beta2) * g
    """

    def __init__(self, params, lr, betas, weight_decay):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.beta1, self.beta2 = betas
        self.weight_decay = weight_decay
        self.m = [torch.zeros_like(p) for p in self.param_groups[0]["params"]]

    @torch.no_grad()
    def step(self):
        lr = self.param_groups[0]["lr"]
        for w, m in zip(self.param_groups[0]["params"], self.m):
            g = w.grad
            c = m.mul(self.beta1).add_(g, alpha=1 - self.beta1)
            update = torch.sign(c).add_(w, alpha=self.weight_decay)
            w.add_(update, alpha=-lr)
            m.mul_(self.beta2).add_(g, alpha=1 - self.beta2)


def adam_like(name, amsgrad=None, foreach=None):
    """hparams -> kwargs for Adam-family optimizers (beta1, beta2 -> betas)."""

    def kwargs(hp):
        out = {}
        for key, value in hp.items():
            if key == "beta1":
                out["betas"] = (hp["beta1"], hp["beta2"])
            elif key == "beta2":
                pass
            elif key in ("amsgrad", "maximize"):
                out[key] = bool(value)
            else:
                out[key] = value
        if amsgrad is not None:
            out["amsgrad"] = amsgrad
        if foreach is not None:
            out["foreach"] = foreach
        return out

    return name, kwargs


def sgd_like(nesterov=None):
    def kwargs(hp):
        out = {k: (bool(v) if k in ("nesterov", "maximize") else v)
               for k, v in hp.items()}
        if nesterov is not None:
            out["nesterov"] = nesterov
        return out

    return "SGD", kwargs


def plain(name):
    def kwargs(hp):
        return {k: (bool(v) if k in ("maximize", "centered") else v)
                for k, v in hp.items()}

    return name, kwargs


# Plugin name -> (torch class, hparams -> torch kwargs, the plugin's declared
# hyperparameters with their defaults in declaration order, cases). A case is
# (name, overrides of the defaults, lr multipliers or None for constant lr).
VARY = LR_FACTORS
OPTIMIZERS = {
    "sgd": (
        sgd_like(),
        [("lr", 0.01), ("momentum", 0.0), ("dampening", 0.0),
         ("weight_decay", 0.0), ("nesterov", 0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("maximize", {"maximize": 1}, None),
            ("momentum", {"momentum": 0.9}, None),
            ("momentum_dampening", {"momentum": 0.9, "dampening": 0.5}, None),
            ("nesterov", {"momentum": 0.9, "nesterov": 1}, None),
            ("nesterov_weight_decay_maximize",
             {"momentum": 0.5, "nesterov": 1, "weight_decay": 0.2,
              "maximize": 1}, None),
            ("varying_lr", {"lr": 0.05}, VARY),
            ("momentum_varying_lr", {"lr": 0.02, "momentum": 0.7}, VARY),
        ],
    ),
    "momentum": (
        sgd_like(),
        [("lr", 0.01), ("momentum", 0.9), ("dampening", 0.0),
         ("weight_decay", 0.0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("momentum", {"momentum": 0.5}, None),
            ("dampening", {"dampening": 0.3}, None),
            ("weight_decay", {"weight_decay": 0.05}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"momentum": 0.8, "dampening": 0.1, "weight_decay": 0.1,
              "maximize": 1}, None),
            ("varying_lr", {"lr": 0.02}, VARY),
        ],
    ),
    "nesterov": (
        sgd_like(nesterov=True),
        [("lr", 0.01), ("momentum", 0.9), ("weight_decay", 0.0),
         ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("momentum", {"momentum": 0.5}, None),
            ("weight_decay", {"weight_decay": 0.05}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"momentum": 0.7, "weight_decay": 0.1, "maximize": 1}, None),
            ("varying_lr", {"lr": 0.02}, VARY),
        ],
    ),
    "adagrad": (
        plain("Adagrad"),
        [("lr", 0.01), ("lr_decay", 0.0), ("weight_decay", 0.0),
         ("initial_accumulator_value", 0.0), ("eps", 1e-10), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("lr_decay", {"lr_decay": 0.1}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("initial_accumulator_value",
             {"initial_accumulator_value": 0.5}, None),
            ("eps", {"eps": 1e-3}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.05, "lr_decay": 0.05, "weight_decay": 0.05,
              "initial_accumulator_value": 0.1, "eps": 1e-4, "maximize": 1},
             None),
            ("varying_lr_lr_decay", {"lr": 0.05, "lr_decay": 0.2}, VARY),
        ],
    ),
    "adadelta": (
        plain("Adadelta"),
        [("lr", 1.0), ("rho", 0.9), ("eps", 1e-6), ("weight_decay", 0.0),
         ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("rho", {"rho": 0.5}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05,
              "maximize": 1}, None),
            ("varying_lr", {}, VARY),
        ],
    ),
    "rmsprop": (
        plain("RMSprop"),
        [("lr", 0.01), ("alpha", 0.99), ("eps", 1e-8), ("weight_decay", 0.0),
         ("momentum", 0.0), ("centered", 0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("alpha", {"alpha": 0.9}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            # lr 1e-3: with momentum 0.9 the default lr carries parameters
            # across 0, where float32 relative errors grow without bound.
            ("momentum", {"momentum": 0.9, "lr": 0.001}, None),
            ("centered", {"centered": 1}, None),
            ("centered_momentum", {"centered": 1, "momentum": 0.5}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"alpha": 0.8, "eps": 1e-4, "weight_decay": 0.05,
              "momentum": 0.3, "centered": 1, "maximize": 1}, None),
            ("varying_lr", {"momentum": 0.5}, VARY),
        ],
    ),
    "adam": (
        adam_like("Adam"),
        [("lr", 0.001), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.0), ("amsgrad", 0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.9}, None),
            ("beta1_zero", {"beta1": 0.0}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("amsgrad", {"amsgrad": 1, "beta2": 0.5}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.7, "eps": 1e-4,
              "weight_decay": 0.05, "amsgrad": 1, "maximize": 1}, None),
            ("varying_lr", {"lr": 0.01}, VARY),
        ],
    ),
    "adamw": (
        adam_like("AdamW"),
        [("lr", 0.001), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.01), ("amsgrad", 0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("no_weight_decay", {"weight_decay": 0.0}, None),
            ("weight_decay", {"weight_decay": 0.5, "lr": 0.01}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.9}, None),
            ("eps", {"eps": 1e-3}, None),
            ("amsgrad", {"amsgrad": 1, "beta2": 0.5}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.7, "eps": 1e-4,
              "weight_decay": 0.2, "amsgrad": 1, "maximize": 1}, None),
            ("varying_lr", {"lr": 0.01, "weight_decay": 0.1}, VARY),
        ],
    ),
    "amsgrad": (
        adam_like("Adam", amsgrad=True),
        [("lr", 0.001), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("beta2", {"beta2": 0.5}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.7}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.6, "eps": 1e-4,
              "weight_decay": 0.05, "maximize": 1}, None),
            ("varying_lr", {"lr": 0.01, "beta2": 0.5}, VARY),
        ],
    ),
    "adamax": (
        adam_like("Adamax"),
        [("lr", 0.002), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.0), ("maximize", 0)],
        [
            ("defaults", {}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.7}, None),
            ("eps", {"eps": 1e-2}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("maximize", {"maximize": 1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.6, "eps": 1e-3,
              "weight_decay": 0.05, "maximize": 1}, None),
            ("varying_lr", {"lr": 0.01}, VARY),
        ],
    ),
    "nadam": (
        # foreach=True: 1.13's default single-tensor NAdam divides the m term
        # by 1 - mu_prod * mu_t * mu_{t+1}, a stray factor mu_t that its
        # docs, its own foreach path, the paper and PyTorch >= 2.0 do not
        # have (fixed by pytorch/pytorch#92699). The foreach path computes
        # the documented rule: 1 - mu_prod * mu_{t+1}, mu_prod = mu_1..mu_t.
        adam_like("NAdam", foreach=True),
        [("lr", 0.002), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.0), ("momentum_decay", 0.004)],
        [
            ("defaults", {}, None),
            ("momentum_decay", {"momentum_decay": 0.1}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.9}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.7, "eps": 1e-4,
              "weight_decay": 0.05, "momentum_decay": 0.05}, None),
            ("varying_lr", {"lr": 0.01}, VARY),
        ],
    ),
    "radam": (
        adam_like("RAdam"),
        [("lr", 0.001), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
         ("weight_decay", 0.0)],
        [
            # beta2 = 0.999: rho_t <= 5 (unrectified) for steps 1-5, then
            # rectified; beta2 = 0.9: rectified from step 6 on.
            ("defaults", {}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.9}, None),
            ("eps", {"eps": 1e-3}, None),
            ("weight_decay", {"weight_decay": 0.1}, None),
            ("all_options",
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-4,
              "weight_decay": 0.05}, None),
            ("varying_lr", {"lr": 0.01}, VARY),
        ],
    ),
    "lion": (
        ("Lion", lambda hp: {"lr": hp["lr"],
                             "betas": (hp["beta1"], hp["beta2"]),
                             "weight_decay": hp["weight_decay"]}),
        [("lr", 1e-4), ("beta1", 0.9), ("beta2", 0.99), ("weight_decay", 0.0)],
        [
            ("defaults", {}, None),
            ("betas", {"beta1": 0.5, "beta2": 0.9}, None),
            # beta1 = 0: c = g, so the all-zero step has sign(c) = 0.
            ("beta1_zero", {"beta1": 0.0}, None),
            ("weight_decay", {"weight_decay": 1.0}, None),
            ("all_options",
             {"lr": 1e-3, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.3},
             None),
            ("varying_lr", {"lr": 1e-3, "weight_decay": 0.1}, VARY),
        ],
    ),
}


def to_f32_exact(values):
    """Rounds doubles to float32 and back, so both runs share the inputs."""
    t = torch.tensor(values, dtype=torch.float64)
    return t.to(torch.float32).to(torch.float64).tolist()


def make_inputs(optimizer, case):
    """Seeded initial parameters and gradients, float32-representable."""
    seed = zlib.crc32(f"{optimizer}/{case}".encode("utf-8"))
    gen = torch.Generator().manual_seed(seed)

    def signed_log_uniform(shape, lo, hi):
        u = torch.rand(shape, generator=gen, dtype=torch.float64)
        s = torch.rand(shape, generator=gen, dtype=torch.float64)
        magnitude = torch.pow(10.0, lo + (hi - lo) * u)
        return torch.where(s < 0.5, -magnitude, magnitude)

    # |w0| in [0.5, 5], |g| in [1e-3, 2]: mixed signs and magnitudes, and
    # no parameter wanders near 0, where relative errors mean nothing.
    params0 = signed_log_uniform((N,), math.log10(0.5), math.log10(5.0))
    grads = signed_log_uniform((STEPS, N), -3.0, math.log10(2.0))
    grads[ZERO_STEP - 1, :] = 0.0
    grads[:, ZERO_ELEMENT] = 0.0
    return to_f32_exact(params0.tolist()), [to_f32_exact(g) for g in grads.tolist()]


def make_optimizer(torch_name, kwargs, params):
    if torch_name == "Lion":
        return Lion(params, **kwargs)
    cls = getattr(torch.optim, torch_name)
    kwargs = dict(kwargs)
    # The single-tensor code path (1.13's default on CPU) unless the
    # optimizer's entry asks for foreach.
    kwargs.setdefault("foreach", False)
    return cls(params, **kwargs)


def run(torch_name, kwargs, params0, grads, lrs, dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        w = torch.tensor(params0, dtype=dtype, requires_grad=True)
        opt = make_optimizer(torch_name, kwargs, [w])
        out = []
        for g, lr in zip(grads, lrs):
            for group in opt.param_groups:
                group["lr"] = lr
            w.grad = torch.tensor(g, dtype=dtype)
            opt.step()
            out.append(w.detach().to(torch.float64).tolist())
        return out
    finally:
        torch.set_default_dtype(previous)


def call_text(torch_name, kwargs):
    prefix = "Lion" if torch_name == "Lion" else f"torch.optim.{torch_name}"
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"{prefix}(params, {args})"


def number(x):
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x!r}")
    return repr(float(x))


def vector(values):
    return "[" + ", ".join(number(v) for v in values) + "]"


def matrix(rows, indent):
    pad = " " * indent
    inner = (",\n" + pad + "  ").join(vector(r) for r in rows)
    return "[\n" + pad + "  " + inner + "\n" + pad + "]"


def relative_gap(a_rows, b_rows):
    worst = 0.0
    for a_row, b_row in zip(a_rows, b_rows):
        for a, b in zip(a_row, b_row):
            worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
    return worst


def fixture_text(optimizer):
    (torch_name, to_kwargs), declared, cases = OPTIMIZERS[optimizer]
    defaults = dict(declared)
    reference = ("Chen et al. 2023 (Lion), reference implementation in "
                 + GENERATOR if torch_name == "Lion"
                 else f"torch.optim.{torch_name}")
    lines = [
        "{",
        f'  "optimizer": {json.dumps(optimizer)},',
        f'  "reference": {json.dumps(reference)},',
        f'  "torch_version": {json.dumps(torch.__version__)},',
        f'  "generated_by": {json.dumps(GENERATOR)},',
        '  "cases": [',
    ]
    case_texts = []
    gaps = []
    for case, overrides, lr_factors in cases:
        unknown = set(overrides) - set(defaults)
        if unknown:
            raise ValueError(f"{optimizer}/{case}: unknown {sorted(unknown)}")
        hp = {name: overrides.get(name, value) for name, value in declared}
        kwargs = to_kwargs(hp)
        params0, grads = make_inputs(optimizer, case)
        if lr_factors is None:
            lrs = [float(hp["lr"])] * STEPS
        else:
            lrs = [float(hp["lr"]) * f for f in lr_factors]
        f64 = run(torch_name, kwargs, params0, grads, lrs, torch.float64)
        f32 = run(torch_name, kwargs, params0, grads, lrs, torch.float32)
        gaps.append((case, relative_gap(f32, f64)))
        hp_text = ", ".join(f"{json.dumps(k)}: {number(v)}" for k, v in hp.items())
        case_texts.append("\n".join([
            "    {",
            f'      "name": {json.dumps(case)},',
            f'      "torch": {json.dumps(call_text(torch_name, kwargs))},',
            f'      "hparams": {{{hp_text}}},',
            f'      "params0": {vector(params0)},',
            f'      "lrs": {vector(lrs)},',
            f'      "grads": {matrix(grads, 6)},',
            f'      "float64": {matrix(f64, 6)},',
            f'      "float32": {matrix(f32, 6)}',
            "    }",
        ]))
    lines.append(",\n".join(case_texts))
    lines += ["  ]", "}", ""]
    return "\n".join(lines), gaps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files, write nothing")
    parser.add_argument("--out-dir", default=OUT_DIR)
    args = parser.parse_args()

    torch.set_num_threads(1)
    os.makedirs(args.out_dir, exist_ok=True)
    stale = []
    for optimizer in OPTIMIZERS:
        text, gaps = fixture_text(optimizer)
        json.loads(text)  # well-formed
        path = os.path.join(args.out_dir, f"{optimizer}.json")
        worst = max(gap for _, gap in gaps)
        for case, gap in gaps:
            # The C++ test allows 1e-5 against torch's float32 run; a case
            # whose float32 and float64 runs already differ by more than
            # MAX_F32_GAP is ill-conditioned (a parameter near 0): change it.
            if gap > MAX_F32_GAP:
                raise SystemExit(f"{optimizer}/{case}: float32 and float64 "
                                 f"trajectories differ by {gap:.2e}")
        print(f"{optimizer:9s} {len(gaps)} cases, torch float32 vs float64 "
              f"max relative gap {worst:.2e}")
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except FileNotFoundError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    if stale:
        print("stale fixtures:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
