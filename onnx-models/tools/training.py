"""The training loop shared by `train_mnist.py` and `train_shapes.py`.

One optimiser step is always: zero_grad, backward, optional gradient clipping, AdamW step,
one-cycle LR step, EMA update (decay min(0.999, (1 + step) / (10 + step))). The order matters:
`train_mnist.py` with its defaults reproduces mnist-ddpm 1.0.0's weights exactly, which were
trained by this sequence before it lived here.

Resuming: with `resume_every` the trainer writes `<out>.resume.pt` (live and EMA weights,
optimiser, scheduler, the step, torch's and the callers' numpy generators' states) every so many
steps; a run started with the same arguments and `--resume` continues from it as if it had never
stopped (same random draws from there on).
"""
import copy
import os
import time

import torch


class Trainer:
    def __init__(self, modules, steps, lr, clip=None, log_every=100, resume_every=0, out=None, extra_params=()):
        """modules: {name: nn.Module} trained jointly, each with an EMA copy (what is exported).
        extra_params: trained parameters that are not part of a module (no EMA), e.g. a loss scale."""
        self.modules = modules
        self.ema = {name: copy.deepcopy(m).eval() for name, m in modules.items()}
        self.params = [p for m in modules.values() for p in m.parameters()] + list(extra_params)
        self.steps, self.clip, self.log_every = steps, clip, log_every
        self.resume_every, self.out = resume_every, out
        self.opt = torch.optim.AdamW(self.params, lr=lr, weight_decay=0.0)
        self.sched = torch.optim.lr_scheduler.OneCycleLR(self.opt, max_lr=lr, total_steps=steps, pct_start=0.05)
        self.step_no = 0
        self.resumed_at = 0  # the step this process started from (ETA counts only its own steps)
        self.start = time.time()
        self.minutes_before = 0.0  # training time of the run(s) this one resumed
        self._sums, self._logged = {}, 0

    def parameter_counts(self):
        return {name: sum(p.numel() for p in m.parameters()) for name, m in self.modules.items()}

    def step(self, loss, **metrics):
        """One optimiser step on `loss`; metrics (floats) are averaged into the progress line."""
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip is not None:
            torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.step()
        self.sched.step()
        self.step_no += 1
        with torch.no_grad():
            decay = min(0.999, (1 + self.step_no) / (10 + self.step_no))
            for name, live in self.modules.items():
                for pe, pm in zip(self.ema[name].parameters(), live.parameters()):
                    pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        for key, value in {"loss": loss.item(), **metrics}.items():
            self._sums[key] = self._sums.get(key, 0.0) + value
        if self.step_no % self.log_every == 0 or self.step_no == 10:
            self._log()

    def _log(self):
        n = self.step_no - self._logged  # steps since the last line: 10 at step 10, then log_every - 10, ...
        el = time.time() - self.start
        done = self.step_no - self.resumed_at
        eta = el / max(done, 1) * (self.steps - self.step_no)
        means = " ".join(f"{k} {v / n:.4f}" for k, v in self._sums.items())
        print(f"step {self.step_no}/{self.steps} {means} {self.minutes() :.1f} min (eta {eta / 60:.1f} min)", flush=True)
        self._sums, self._logged = {}, self.step_no

    def minutes(self):
        return self.minutes_before + (time.time() - self.start) / 60

    def done(self):
        return self.step_no >= self.steps

    # ------------------------------------------------------------ resume
    def resume_path(self):
        return self.out + ".resume.pt"

    def maybe_save_resume(self, generators):
        """generators: {name: numpy Generator} whose states a resumed run must continue from."""
        if self.resume_every and self.step_no % self.resume_every == 0 and not self.done():
            state = {"step": self.step_no, "minutes": self.minutes(),
                     "live": {n: m.state_dict() for n, m in self.modules.items()},
                     "ema": {n: m.state_dict() for n, m in self.ema.items()},
                     "opt": self.opt.state_dict(), "sched": self.sched.state_dict(),
                     "torch_rng": torch.get_rng_state(),
                     "generators": {n: g.bit_generator.state for n, g in generators.items()},
                     "params": [p.detach().clone() for p in self.params]}
            tmp = self.resume_path() + ".tmp"
            torch.save(state, tmp)
            os.replace(tmp, self.resume_path())  # never a half-written resume file

    def resume(self, generators):
        if not os.path.exists(self.resume_path()):
            raise SystemExit(f"error: --resume: no {self.resume_path()} (a run writes it every --resume-every steps)")
        state = torch.load(self.resume_path())
        for n, m in self.modules.items():
            m.load_state_dict(state["live"][n])
            self.ema[n].load_state_dict(state["ema"][n])
        with torch.no_grad():
            for p, saved in zip(self.params, state["params"]):
                p.copy_(saved)
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        torch.set_rng_state(state["torch_rng"])
        for n, g in generators.items():
            g.bit_generator.state = state["generators"][n]
        self.step_no = self._logged = self.resumed_at = state["step"]
        self.minutes_before = state["minutes"]
        print(f"resumed {self.resume_path()} at step {self.step_no} ({self.minutes_before:.1f} min before)", flush=True)
