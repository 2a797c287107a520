"""Levers of cfm's image budget, swept on a GPU machine (PyTorch, no Node): the engine's recipe mirrored —
clean-sample prediction on x_t = t·x1 + (1 − t)·z, uniform t, the x-loss, a SiLU MLP on [x, emb(t)] with 16
sinusoidal time features (frequencies 1 … 100), uniform ±1/√fan-in initialisation, Adam (0.9, 0.999, 1e-7) on
the flows' schedule (held for half the run, then a cosine to 5 %), the moving average warmed up as
min(decay, (1 + k)/(c + k)), DDIM K = 100 from the average — each configuration scored as a run scores itself:
fd in the workbench classifier's features against the run's 2 000 held-out images, on four draws of 2 000
samples (the same noise for every configuration, so comparisons are paired).

    node scripts/lever-sweep-data.mjs --out .gpu/sweep          # here: the split and the classifier (8 MB)
    python3 scripts/lever-sweep.py --data .gpu/sweep --set levers   # there: device tool, carry [".gpu/sweep"]

Writes one JSON line per configuration to $OUT/sweep.jsonl (or --out DIR) and prints a RES line each. The
classifier features and the Fréchet distance match the engine's to 1e-9 on the same rows (fd of the first
2 000 training images against the held-out ones: 1.453866 both). docs/benchmarks.md has what it found.
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
import torch.multiprocessing as mp

HERE = os.environ.get('SWEEP_DATA', '.gpu/sweep')
OUT = os.environ.get('OUT', 'test-results/lever-sweep')
NS, KS = int(os.environ.get('SWEEP_N', 2000)), int(os.environ.get('SWEEP_K', 100))

def load(dev):
    meta = json.load(open(f'{HERE}/meta.json'))
    u = lambda f, n: torch.from_numpy(np.fromfile(f'{HERE}/{f}', dtype=np.uint8).reshape(n, 784).astype(np.float32) / 255 * 2 - 1).to(dev)
    train, held = u('train_u8.bin', meta['trainN']), u('held_u8.bin', meta['heldN'])
    clf = []
    for k, l in enumerate(meta['layers']):
        w = torch.from_numpy(np.fromfile(f'{HERE}/clf_w{k}.bin', dtype=np.float32).reshape(l['rows'], l['cols'])).to(dev)
        b = torch.from_numpy(np.fromfile(f'{HERE}/clf_b{k}.bin', dtype=np.float32)).to(dev)
        clf.append((w, b))
    return meta, train, held, clf

def feats(clf, x, upto=None):
    h = x.double()
    L = len(clf) - 1 if upto is None else upto
    for k in range(L):
        w, b = clf[k]
        h = h @ w.double() + b.double()
        if k < len(clf) - 1: h = torch.relu(h)
    return h

def fd(a, b):
    ma, mb = a.mean(0), b.mean(0)
    ca, cb = torch.cov(a.T), torch.cov(b.T)
    ea, va = torch.linalg.eigh(ca)
    sa = va @ torch.diag(ea.clamp(min=0).sqrt()) @ va.T
    m = sa @ cb @ sa
    em = torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()
    return float(((ma - mb) ** 2).sum() + ca.trace() + cb.trace() - 2 * em)

def temb(t, dim=16, maxf=100.0):
    h = dim // 2
    w = torch.exp(torch.arange(h, device=t.device, dtype=torch.float32) / (h - 1) * math.log(maxf))
    a = t[:, None] * w[None]
    return torch.cat([a.sin(), a.cos()], 1)

def uinit(lin):
    bound = 1 / math.sqrt(lin.in_features)
    nn.init.uniform_(lin.weight, -bound, bound); nn.init.uniform_(lin.bias, -bound, bound)
    return lin

class Mlp(nn.Module):
    def __init__(s, width=1024, depth=3, dropout=0.0, tdim=16):
        super().__init__()
        dims = [784 + tdim] + [width] * depth + [784]
        s.ls = nn.ModuleList(uinit(nn.Linear(a, b)) for a, b in zip(dims[:-1], dims[1:]))
        s.p, s.tdim = dropout, tdim
    def forward(s, x, t):
        h = torch.cat([x, temb(t, s.tdim)], 1)
        for i, l in enumerate(s.ls):
            h = l(h)
            if i < len(s.ls) - 1:
                h = F.silu(h)
                if s.p > 0 and s.training: h = F.dropout(h, s.p)
        return h

class ResMlp(nn.Module):
    """x, emb → Linear → [LN → Linear → SiLU → Linear (+)]×blocks → LN → Linear."""
    def __init__(s, width=1024, blocks=2, hidden=None, tdim=16):
        super().__init__()
        hidden = hidden or width
        s.inp = uinit(nn.Linear(784 + tdim, width))
        s.blocks = nn.ModuleList(nn.ModuleList([nn.LayerNorm(width), uinit(nn.Linear(width, hidden)), uinit(nn.Linear(hidden, width))]) for _ in range(blocks))
        s.ln, s.out = nn.LayerNorm(width), uinit(nn.Linear(width, 784))
        s.tdim = tdim
    def forward(s, x, t):
        h = s.inp(torch.cat([x, temb(t, s.tdim)], 1))
        for ln, a, b in s.blocks: h = h + b(F.silu(a(ln(h))))
        return s.out(F.silu(s.ln(h)))

class Res(nn.Module):
    def __init__(s, ci, co, tc, g):
        super().__init__()
        s.n1, s.c1 = nn.GroupNorm(min(g, ci // 4) if ci >= 4 else 1, ci), nn.Conv2d(ci, co, 3, padding=1)
        s.t = nn.Linear(tc, co)
        s.n2, s.c2 = nn.GroupNorm(g, co), nn.Conv2d(co, co, 3, padding=1)
        s.sk = nn.Conv2d(ci, co, 1) if ci != co else nn.Identity()
    def forward(s, x, te):
        h = s.c1(F.silu(s.n1(x))) + s.t(te)[:, :, None, None]
        h = s.c2(F.silu(s.n2(h)))
        return s.sk(x) + h

class Unet(nn.Module):
    def __init__(s, c=16, levels=2, g=4, tdim=16):
        super().__init__()
        s.tdim = tdim
        s.te = nn.Linear(tdim, 2 * c)
        s.inp = nn.Conv2d(1, c, 3, padding=1)
        ch = [c * 2 ** l for l in range(levels + 1)]
        s.down = nn.ModuleList(Res(ch[max(l - 1, 0)], ch[l], 2 * c, g) for l in range(levels))
        s.mid = Res(ch[levels - 1], ch[levels], 2 * c, g)
        s.up = nn.ModuleList(Res(ch[l + 1] + ch[l], ch[l], 2 * c, g) for l in reversed(range(levels)))
        s.no, s.out = nn.GroupNorm(g, c), nn.Conv2d(c, 1, 3, padding=1)
        s.levels = levels
    def forward(s, x, t):
        te = F.silu(s.te(temb(t, s.tdim)))
        h = s.inp(x.view(-1, 1, 28, 28))
        skips = []
        for d in s.down:
            h = d(h, te); skips.append(h); h = F.avg_pool2d(h, 2)
        h = s.mid(h, te)
        for u in s.up:
            sk = skips.pop()
            h = u(torch.cat([F.interpolate(h, size=sk.shape[-2:], mode='nearest'), sk], 1), te)
        return s.out(F.silu(s.no(h))).view(-1, 784)

def cosine(step, steps, hold=0.5, floor=0.05):
    u = min(1, max(0, step / (steps - 1)))
    if u <= hold: return 1.0
    v = (u - hold) / (1 - hold)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * v))

@torch.no_grad()
def ddim(net, z, K=100):
    x = z
    for i in range(K):
        t, s = i / K, (i + 1) / K
        xh = net(x, torch.full((x.shape[0],), t, device=x.device))
        x = xh if i == K - 1 else ((1 - s) * x + (s - t) * xh) / (1 - t)
    return x

EMAS = {'eng': (0.999, 10), 'w20': (0.9999, 20), 'w5': (0.9999, 5)}

def run(cfg, dev, data):
    meta, train, held, clf = data
    torch.manual_seed(cfg.get('seed', 0))
    arch = cfg.get('arch', 'mlp')
    if arch == 'mlp': net = Mlp(cfg.get('width', 1024), cfg.get('depth', 3), cfg.get('dropout', 0.0), cfg.get('tdim', 16))
    elif arch == 'resmlp': net = ResMlp(cfg.get('width', 1024), cfg.get('blocks', 2), cfg.get('hidden'))
    else: net = Unet(cfg.get('ch', 16), cfg.get('levels', 2))
    net = net.to(dev)
    params = list(net.parameters())
    nparam = sum(p.numel() for p in params)
    wd = cfg.get('wd', 0.0)
    opt = torch.optim.AdamW(params, lr=cfg['lr'], betas=(0.9, 0.999), eps=1e-7, weight_decay=wd) if wd > 0 else torch.optim.Adam(params, lr=cfg['lr'], betas=(0.9, 0.999), eps=1e-7)
    emas = {k: [p.detach().clone() for p in params] for k in EMAS}
    steps, B = cfg['steps'], cfg.get('batch', 128)
    g = torch.Generator(device=dev).manual_seed(cfg.get('seed', 0))
    t0 = time.time()
    losses = []
    net.train()
    for k in range(steps):
        for pg in opt.param_groups: pg['lr'] = cfg['lr'] * cosine(k, steps)
        idx = torch.randint(0, train.shape[0], (B,), device=dev, generator=g)
        x1 = train[idx]
        x0 = torch.randn(B, 784, device=dev, generator=g)
        t = torch.rand(B, device=dev, generator=g)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        loss = ((net(xt, t) - x1) ** 2).mean()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        with torch.no_grad():
            for name, (cap, c) in EMAS.items():
                d = min(cap, (1 + k) / (c + k))
                torch._foreach_mul_(emas[name], d); torch._foreach_add_(emas[name], [p.detach() for p in params], alpha=1 - d)
        if k % 500 == 0: losses.append(float(loss.detach()))
    if torch.cuda.is_available(): torch.cuda.synchronize()
    train_s = time.time() - t0
    net.eval()
    hf = feats(clf, held)
    res = dict(cfg=cfg, nparam=nparam, train_s=round(train_s, 1), losses=losses[-3:], ema={})
    live = [p.detach().clone() for p in params]
    for name in EMAS:
        with torch.no_grad():
            for p, e in zip(params, emas[name]): p.copy_(e)
        fds, mins, maxpx = [], [], []
        for dr in range(4):
            gz = torch.Generator(device=dev).manual_seed(1000 + dr)
            z = torch.randn(NS, 784, device=dev, generator=gz)
            xs = ddim(net, z, KS)
            if not torch.isfinite(xs).all(): fds.append(float('nan')); continue
            fds.append(fd(feats(clf, xs), hf))
            pred = feats(clf, xs, len(clf)).argmax(1)
            mins.append(float(torch.bincount(pred, minlength=10).min()) / NS)
            maxpx.append(float((xs.max(1).values > 3).float().mean()))
        res['ema'][name] = dict(fd=[round(v, 3) for v in fds], mean=round(float(np.mean(fds)), 3), ratio=round(float(np.mean(fds)) / meta['fdGaussian'], 4), minClass=min(mins) if mins else None, over3=maxpx)
    return res

def worker(wid, cfgs, q):
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.backends.cuda.matmul.allow_tf32 = False; torch.backends.cudnn.allow_tf32 = False
    data = load(dev)
    for c in cfgs:
        try: r = run(c, dev, data)
        except Exception as e: r = dict(cfg=c, error=repr(e))
        q.put(r)
    q.put(None)

# The first sweep (2026-12-04): one lever at a time against the image budget, seed 0.
LEVERS = [
    dict(name='base', lr=5e-4, steps=9000),
    dict(name='base-s1', lr=5e-4, steps=9000, seed=1),
    dict(name='wd0.1', lr=5e-4, steps=9000, wd=0.1),
    dict(name='wd1', lr=5e-4, steps=9000, wd=1.0),
    dict(name='drop0.02', lr=5e-4, steps=9000, dropout=0.02),
    dict(name='drop0.05', lr=5e-4, steps=9000, dropout=0.05),
    dict(name='b256x4500', lr=5e-4, steps=4500, batch=256),
    dict(name='s6000', lr=5e-4, steps=6000),
    dict(name='lr1e-3', lr=1e-3, steps=9000),
    dict(name='depth4', lr=5e-4, steps=9000, depth=4),
    dict(name='w1536', lr=5e-4, steps=9000, width=1536),
    dict(name='w768d4', lr=5e-4, steps=9000, width=768, depth=4),
    dict(name='resmlp2', arch='resmlp', lr=5e-4, steps=9000, blocks=2),
    dict(name='resmlp3', arch='resmlp', lr=5e-4, steps=9000, blocks=3),
    dict(name='unet16-2k', arch='unet', ch=16, lr=1e-3, steps=2000),
    dict(name='unet32-2k', arch='unet', ch=32, lr=1e-3, steps=2000),
    dict(name='unet16-6k', arch='unet', ch=16, lr=1e-3, steps=6000),
    dict(name='unet32-6k', arch='unet', ch=32, lr=5e-4, steps=6000),
    dict(name='s12000', lr=5e-4, steps=12000),
    dict(name='lr7e-4', lr=7e-4, steps=9000),
    dict(name='drop0.05-s12k', lr=5e-4, steps=12000, dropout=0.05),
    dict(name='wd0.1-lr1e-3', lr=1e-3, steps=9000, wd=0.1),
    dict(name='tdim64', lr=5e-4, steps=9000, tdim=64),
    dict(name='b64x18000', lr=3.5e-4, steps=18000, batch=64),
]

# The second: the network shapes that won the first, and the budget's own, on seeds 1 and 2 (plus seed 0 of
# the shapes the first sweep lacked).
SHAPES = [dict(name=nm, lr=5e-4, steps=9000, seed=sd, **extra)
          for sd in (1, 2)
          for nm, extra in [('base', {}), ('w768d4', dict(width=768, depth=4)), ('depth4', dict(depth=4)),
                            ('w768d5', dict(width=768, depth=5)), ('w896d4', dict(width=896, depth=4))]]
SHAPES += [dict(name='resmlp1', arch='resmlp', lr=5e-4, steps=9000, blocks=1),
           dict(name='w768d5', lr=5e-4, steps=9000, width=768, depth=5),
           dict(name='w896d4', lr=5e-4, steps=9000, width=896, depth=4)]
SETS = {'levers': LEVERS, 'shapes': SHAPES}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=HERE, help='what lever-sweep-data.mjs wrote (default .gpu/sweep)')
    ap.add_argument('--out', default=OUT, help='folder of sweep.jsonl (default $OUT)')
    ap.add_argument('--set', default='levers', choices=sorted(SETS))
    ap.add_argument('--only', help='comma-separated configuration names of the set')
    ap.add_argument('--steps', type=int, help='override every configuration\'s steps (a smoke test)')
    ap.add_argument('--n', type=int, default=NS, help='samples per draw (default 2000)')
    ap.add_argument('--K', type=int, default=KS, help='DDIM steps (default 100)')
    ap.add_argument('--workers', type=int, default=8, help='processes sharing the GPU (default 8)')
    a = ap.parse_args()
    HERE, OUT, NS, KS = a.data, a.out, a.n, a.K
    os.environ.update(SWEEP_DATA=HERE, OUT=OUT, SWEEP_N=str(NS), SWEEP_K=str(KS))
    os.makedirs(OUT, exist_ok=True)
    cfgs = [dict(c) for c in SETS[a.set] if not a.only or c['name'] in a.only.split(',')]
    if not cfgs: sys.exit(f'no configuration of {a.set} is named {a.only}')
    for c in cfgs:
        if a.steps: c['steps'] = a.steps
    if not torch.cuda.is_available(): print('no CUDA device: running on the CPU (slow; use --steps and --n for a smoke test)', flush=True)
    nw = min(a.workers, len(cfgs))
    mp.set_start_method('spawn')
    q = mp.Queue()
    ps = [mp.Process(target=worker, args=(i, cfgs[i::nw], q)) for i in range(nw)]
    for p in ps: p.start()
    done, t0 = 0, time.time()
    with open(f'{OUT}/sweep.jsonl', 'a') as f:
        while done < nw:
            r = q.get()
            if r is None: done += 1; continue
            r['wall'] = round(time.time() - t0, 1)
            f.write(json.dumps(r) + '\n'); f.flush()
            print('RES', r['cfg']['name'], 'seed', r['cfg'].get('seed', 0), r.get('nparam'), 'params', r.get('train_s'), 's',
                  {k: (v['mean'], v['fd'], v['minClass']) for k, v in r.get('ema', {}).items()}, r.get('error', ''), flush=True)
    for p in ps: p.join()
