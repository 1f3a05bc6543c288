"""Reference timing for `npm run bench`: one GPT-2 training step (forward, masked LM loss, backward, clipping,
AdamW) in PyTorch, for the same model shape and batch as our ONNX Runtime step. A plain GPT-2 written here with
torch.nn (no transformers package); Debian's python3-torch (no MKL), CPU threads as the machine has.
With MINIASTROLM_TORCH_DEVICE=cuda the same step runs on the GPU in fp32 (TF32 off, so it does the arithmetic our
fp32 graphs do).
Prints one JSON line: {"tokens_per_s": x, "step_s": x, "threads": n, "torch": version, "device": d}."""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        # torch 1.13 (Debian) has no scaled_dot_product_attention: the plain masked softmax, as GPT-2 does it.
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        y = att.masked_fill(~mask, float("-inf")).softmax(dim=-1) @ v
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    def __init__(self, layers, heads, d, positions, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(positions, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d, eps=1e-5)

    def forward(self, ids, labels):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(t, device=ids.device))
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.T
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100)


def main():
    layers, heads, d, positions, vocab, batch, seq, steps = (int(a) for a in sys.argv[1:9])
    # Debian's build may start with one thread; use every core, as ONNX Runtime does.
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    device = os.environ.get("MINIASTROLM_TORCH_DEVICE", "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = Gpt2(layers, heads, d, positions, vocab).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    ids = torch.randint(0, vocab, (batch, seq), device=device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        loss = model(ids, ids)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device != "cpu":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    # The first step includes allocating the optimizer state; with one step that is all there is.
    step = min(times[1:]) if len(times) > 1 else times[0]
    print(json.dumps({"tokens_per_s": batch * seq / step, "step_s": step, "threads": torch.get_num_threads(), "torch": torch.__version__, "device": device, "loss": float(loss)}))


if __name__ == "__main__":
    main()
