"""The compiled multi-step training kernel: network.py's BP1–BP4, the optimizers' updates and the
weight penalties, written as loops that numba compiles, run for many mini-batches per call.

This is a second implementation of the same equations, not another method: every elementwise
formula is written with the same operations in the same order as the NumPy engine (σ from
e^−|z|, Adam's (−η m̂) / (√v̂ + ε), ...), so that the two agree to rounding (tanh, which NumPy
computes with its own SIMD code, has its own here too: ``tanh``); the matrix products
sum over their inner index in order, one fused multiply-add at a time, as OpenBLAS does. Only
app/engine/fast.py imports this module, and only when numba is importable; nothing else may
depend on it, because the readable engine is the one the inspector explains.

Arrays follow network.py: a^l is [n_l, m], one example per column; the parameters are one flat
buffer, W^l ([n_l, n_(l-1)], row-major) then b^l, layer after layer.
"""

import math

import numpy as np
from numba import njit

# Codes shared with fast.py, which translates the engine's names into them.
SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTPLUS, LINEAR, SOFTMAX = range(8)
MSE, MAE, HUBER, BCE, CCE = range(5)
SGD, MOMENTUM, NESTEROV, RMSPROP, ADAM = range(5)
NO_PENALTY, L1, L2 = range(3)
CONSTANT, EXPONENTIAL, INVERSE_TIME, STEP = range(4)
# What stopped a run: nothing, a non-finite batch loss (that step not applied), or parameters
# that stopped being finite (the step applied), exactly the two ways Trainer.train stops early.
FINISHED, LOSS_DIVERGED, PARAMS_DIVERGED = range(3)
# What a frame's field holds (fast.FIELD_CODES names them); any other code is left to the caller.
W_FIELD, B_FIELD, DW_FIELD, DB_FIELD, Z_FIELD, A_FIELD, DELTA_FIELD = range(7)
HUBER_DELTA = 1.0  # losses.HUBER_DELTA; fast.py checks they agree
LN2 = math.log(2.0)
# ln 2 in two parts, the first with its low bits zero so that k · LN2_HI is exact (fdlibm's)
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
# e^r − 1 = r (1 + r/2! + r²/3! + … + r^12/14!); the next term is under 1e-17 of it for |r| ≤ ln2/2
EXPM1_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14, 1, -1))
# Where accumulate_blocked beats accumulate_rows (measured on the kernel's products here: from
# 4,096 multiply-adds with at least 8 terms each; 2-8-8-1's at batch 10 are twice as fast by
# rows, digits' first layer at batch 64 2.8× faster blocked)
BLOCKED_MIN_TERMS = 4096
BLOCKED_MIN_INNER = 8
TANH_ONE = 44.0  # tanh(x) rounds to ±1 from |x| = 19.1 on; 2|x| is capped here, past it

# Products sum in the inner index's order with a fused multiply-add, as BLAS kernels do; the
# elementwise code keeps NumPy's separate rounding of each * and +, so only products contract.
# NumPy's error model: x / 0 is ±inf or NaN, as in the NumPy engine, instead of an exception;
# the check Python's model puts before each division also keeps loops from vectorizing.
product = njit(cache=True, fastmath={"contract"}, error_model="numpy")
elementwise = njit(cache=True, error_model="numpy")


@elementwise
def logaddexp0(z: float) -> float:
    """ln(1 + e^z), as NumPy's logaddexp(0, z) computes it."""
    if z == 0.0:
        return LN2
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    if z <= 0.0:
        return math.log1p(math.exp(z))
    return z  # NaN


@elementwise
def tanh(x: float) -> float:
    """tanh x = (e^2|x| − 1) / (e^2|x| + 1), signed: e^y − 1 as 2^k (e^r − 1) + (2^k − 1) with
    y = k ln 2 + r, |r| ≤ ln2/2. libm's tanh is a call per number (15 ns here) and was most of
    a large batch's step; these few multiplies and selects run eight numbers at once (1.4 ns).
    Within 3 ulp of NumPy's tanh, as libm's is (tests/engine/test_fast.py)."""
    y = min(2.0 * abs(x), TANH_ONE)
    k = np.floor(y * (1.0 / LN2) + 0.5)
    r = (y - k * LN2_HI) - k * LN2_LO
    series = 0.0
    for c in EXPM1_TAYLOR:
        series = c + r * series
    expm1_r = r * (1.0 + r * series)
    n = np.int64(k)
    scale = 1.0  # 2^k, k < 64, from k's bits: exact, and without a call
    for bit in range(6):
        scale *= 2.0 ** (1 << bit) if n >> bit & 1 else 1.0
    expm1_y = (scale - 1.0) + scale * expm1_r
    t = math.copysign(expm1_y / (expm1_y + 2.0), x)
    return t if x == x else x  # NaN stays NaN: diverged


@elementwise
def sigmoid(z: float) -> float:
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)


@elementwise
def activate(code: int, slope: float, z: float) -> float:
    """σ(z) for an elementwise activation."""
    if code == SIGMOID:
        return sigmoid(z)
    if code == TANH:
        return tanh(z)
    if code == RELU:
        return 0.0 if z <= 0.0 else z
    if code == LEAKY_RELU:
        return z if z > 0.0 else slope * z
    if code == ELU:
        return z if z > 0.0 else math.expm1(z)
    if code == SOFTPLUS:
        return logaddexp0(z)
    return z


@elementwise
def derivative(code: int, slope: float, z: float, a: float) -> float:
    """σ'(z), as activations.py writes each one; tanh's from a = tanh(z), the same number."""
    if code == SIGMOID:
        e = math.exp(-abs(z))
        d = 1.0 + e
        return e / (d * d)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if z > 0.0 else slope
    if code == ELU:
        return 1.0 if z > 0.0 else math.exp(z)
    if code == SOFTPLUS:
        return sigmoid(z)
    return 1.0


@product
def add_products(a: np.ndarray, B: np.ndarray, c: np.ndarray, start: int) -> None:
    """c += a_r B_r for r = start, start + 1, … in order, four terms per pass over c."""
    inner = a.size
    quads = start + (inner - start) // 4 * 4
    for r in range(start, quads, 4):
        u0, u1, u2, u3 = a[r], a[r + 1], a[r + 2], a[r + 3]
        b0, b1, b2, b3 = B[r], B[r + 1], B[r + 2], B[r + 3]
        for j in range(c.size):
            c[j] = c[j] + u0 * b0[j] + u1 * b1[j] + u2 * b2[j] + u3 * b3[j]
    for r in range(quads, inner):
        u, b = a[r], B[r]
        for j in range(c.size):
            c[j] = c[j] + u * b[j]


@product
def accumulate_rows(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> None:
    """``accumulate`` one term per pass over two rows of C, which share each row of B."""
    rows, inner = A.shape
    C[:] = 0.0
    for i in range(0, rows - 1, 2):
        c0, c1 = C[i], C[i + 1]
        for r in range(inner):
            w0, w1 = A[i, r], A[i + 1, r]
            src = B[r]
            for j in range(src.size):
                x = src[j]
                c0[j] += w0 * x
                c1[j] += w1 * x
    if rows % 2:
        last = C[rows - 1]
        for r in range(inner):
            w = A[rows - 1, r]
            src = B[r]
            for j in range(src.size):
                last[j] += w * src[j]


@product
def accumulate_blocked(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> None:
    """``accumulate`` four terms per pass over four rows of C, which share the rows of B: with one
    term per pass, loading and storing C bounded a large product, not its multiplies (on
    784-100-40-10's products here: 10–15 GMAC/s one term per pass, 27–35 blocked, OpenBLAS
    17–25)."""
    rows, inner = A.shape
    quads = inner // 4 * 4
    C[:] = 0.0
    for i in range(0, rows - 3, 4):
        c0, c1, c2, c3 = C[i], C[i + 1], C[i + 2], C[i + 3]
        for r in range(0, quads, 4):
            b0, b1, b2, b3 = B[r], B[r + 1], B[r + 2], B[r + 3]
            # A's sixteen terms as locals: read from A inside the loop (strided where A is Wᵀ),
            # they kept it from vectorizing
            p0, p1, p2, p3 = A[i, r], A[i, r + 1], A[i, r + 2], A[i, r + 3]
            q0, q1, q2, q3 = A[i + 1, r], A[i + 1, r + 1], A[i + 1, r + 2], A[i + 1, r + 3]
            s0, s1, s2, s3 = A[i + 2, r], A[i + 2, r + 1], A[i + 2, r + 2], A[i + 2, r + 3]
            t0, t1, t2, t3 = A[i + 3, r], A[i + 3, r + 1], A[i + 3, r + 2], A[i + 3, r + 3]
            for j in range(c0.size):
                x0, x1, x2, x3 = b0[j], b1[j], b2[j], b3[j]
                c0[j] = c0[j] + p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3
                c1[j] = c1[j] + q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3
                c2[j] = c2[j] + s0 * x0 + s1 * x1 + s2 * x2 + s3 * x3
                c3[j] = c3[j] + t0 * x0 + t1 * x1 + t2 * x2 + t3 * x3
        for k in range(i, i + 4):
            add_products(A[k], B, C[k], quads)
    for k in range(rows - rows % 4, rows):
        add_products(A[k], B, C[k], 0)


@product
def accumulate(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> None:
    """C = A B, row by row: C_i += A_ir B_r for r in order, so each entry sums over r in
    order with one fused multiply-add per term, as OpenBLAS's kernels do, while the inner loop
    runs along contiguous rows (SIMD). Both ways below add the same terms in the same order,
    so their C is the same to the bit; the blocked one costs more to set up each pass."""
    if A.shape[1] >= BLOCKED_MIN_INNER and A.size * C.shape[1] >= BLOCKED_MIN_TERMS:
        accumulate_blocked(A, B, C)
    else:
        accumulate_rows(A, B, C)


@product
def affine(W: np.ndarray, b: np.ndarray, a: np.ndarray, z: np.ndarray) -> None:
    """z = W a + b: each z_ij summed over k in order, then b_i added, as (W @ a) + b."""
    accumulate(W, a, z)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = z[i, j] + b[i]


@product
def back_product(W: np.ndarray, delta: np.ndarray, out: np.ndarray) -> None:
    """out = Wᵀ δ, summed over the upper layer's neurons in order (BP2's product)."""
    accumulate(W.T, delta, out)


@product
def weight_gradient(delta: np.ndarray, a_in_t: np.ndarray, dW: np.ndarray) -> None:
    """dW = δ (a^(l-1))ᵀ, from a^(l-1) stored one example per row; each entry sums over the
    examples in order."""
    accumulate(delta, a_in_t, dW)


@elementwise
def softmax_columns(z: np.ndarray, a: np.ndarray) -> None:
    """e^(z − max) / Σ e^(z − max) per column, the sum taken row after row as NumPy's axis-0 sum."""
    n, m = z.shape
    for j in range(m):
        top = z[0, j]
        for i in range(1, n):
            v = z[i, j]
            if v > top or math.isnan(v):
                top = v
        total = 0.0
        for i in range(n):
            a[i, j] = math.exp(z[i, j] - top)
            total += a[i, j]
        for i in range(n):
            a[i, j] = a[i, j] / total


@elementwise
def block_sum(x: np.ndarray, start: int, n: int) -> float:
    """Σ x[start:start + n], n ≤ 128, in NumPy's order: eight running sums, then the rest."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += x[i]
        return total
    r0, r1, r2, r3 = x[start], x[start + 1], x[start + 2], x[start + 3]
    r4, r5, r6, r7 = x[start + 4], x[start + 5], x[start + 6], x[start + 7]
    i = 8
    while i < n - n % 8:
        k = start + i
        r0 += x[k]
        r1 += x[k + 1]
        r2 += x[k + 2]
        r3 += x[k + 3]
        r4 += x[k + 4]
        r5 += x[k + 5]
        r6 += x[k + 6]
        r7 += x[k + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(start + i, start + n):
        total += x[k]
    return total


@elementwise
def pairwise_sum(x: np.ndarray, n: int, stack: np.ndarray, sums: np.ndarray) -> float:
    """Σ x[:n] as NumPy sums a contiguous row (so BP3's ∂C/∂b rounds as delta.sum(axis=1)
    does): blocks of up to 128, halved at multiples of 8 above that. NumPy recurses; this walks
    the same tree with a stack ([3, 64] ints: start, count, stage; ``sums`` 64 floats, both
    scratch from the caller), since numba cannot cache a recursive function."""
    if n <= 128:
        return block_sum(x, 0, n)
    starts, counts, stage = stack[0], stack[1], stack[2]
    top, done = 0, 0
    starts[0], counts[0], stage[0] = 0, n, 0
    while top >= 0:
        half = counts[top] // 2
        half -= half % 8
        if counts[top] <= 128:
            sums[done] = block_sum(x, starts[top], counts[top])
            done += 1
            top -= 1
        elif stage[top] < 2:
            first = stage[top] == 0
            stage[top] += 1
            starts[top + 1] = starts[top] + (0 if first else half)
            counts[top + 1] = half if first else counts[top] - half
            stage[top + 1] = 0
            top += 1
        else:
            sums[done - 2] = sums[done - 2] + sums[done - 1]
            done -= 1
            top -= 1
    return sums[0]


@elementwise
def activate_layer(code: int, slope: float, z: np.ndarray, a: np.ndarray) -> None:
    """a = σ(z) over a layer; one loop per activation, so that each inlines its own formula."""
    if code == SOFTMAX:
        softmax_columns(z, a)
        return
    zf, af = z.ravel(), a.ravel()
    if code == TANH:
        for p in range(zf.size):
            af[p] = tanh(zf[p])
    elif code == SIGMOID:
        for p in range(zf.size):
            af[p] = sigmoid(zf[p])
    elif code == RELU:
        for p in range(zf.size):
            af[p] = 0.0 if zf[p] <= 0.0 else zf[p]
    else:
        for p in range(zf.size):
            af[p] = activate(code, slope, zf[p])


@elementwise
def times_derivative(code: int, slope: float, z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> None:
    """δ ⊙= σ'(z) over a layer (BP2's factor, and BP1's where the loss does not cancel it)."""
    zf, af, df = z.ravel(), a.ravel(), delta.ravel()
    if code == TANH:
        for p in range(zf.size):
            df[p] = df[p] * (1.0 - af[p] * af[p])
    elif code == RELU:
        for p in range(zf.size):
            df[p] = df[p] * (1.0 if zf[p] > 0.0 else 0.0)
    elif code == LINEAR:
        for p in range(zf.size):
            df[p] = df[p] * 1.0
    else:
        for p in range(zf.size):
            df[p] = df[p] * derivative(code, slope, zf[p], af[p])


@elementwise
def loss_grad(loss: int, a: float, y: float) -> float:
    """∂C_x/∂a for the losses that may meet any output activation."""
    r = a - y
    if loss == MAE:
        return np.sign(r)
    if loss == HUBER:
        return min(max(r, -HUBER_DELTA), HUBER_DELTA) if not math.isnan(r) else r
    return r


@elementwise
def output_delta(loss: int, fused: bool, code: int, slope: float, z: np.ndarray, a: np.ndarray,
                 y: np.ndarray, delta: np.ndarray) -> None:
    """BP1: a − y where σ' cancels, else ∇_a C ⊙ σ'(z), or softmax's Jacobian product."""
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            delta[i, j] = a[i, j] - y[i, j] if fused else loss_grad(loss, a[i, j], y[i, j])
    if fused:
        return
    if code != SOFTMAX:
        times_derivative(code, slope, z, a, delta)
        return
    for j in range(m):
        dot = 0.0
        for i in range(n):
            dot += a[i, j] * delta[i, j]
        for i in range(n):
            delta[i, j] = a[i, j] * (delta[i, j] - dot)


@elementwise
def entry_loss(loss: int, fused: bool, z: float, a: float, y: float) -> float:
    """One output neuron's share of C_x, as losses.py's values compute it."""
    if loss == BCE:
        return logaddexp0(z) - y * z
    r = a - y
    if loss == MSE:
        return 0.5 * (r * r)
    if loss == MAE:
        return abs(r)
    q = min(abs(r), HUBER_DELTA)
    return 0.5 * (q * q) + HUBER_DELTA * (abs(r) - q)


@elementwise
def batch_loss(loss: int, fused: bool, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """The data loss C of the batch; only whether it is finite decides anything here."""
    n, m = z.shape
    total = 0.0
    for j in range(m):
        if loss == CCE:
            top = z[0, j]
            for i in range(1, n):
                top = max(top, z[i, j])
            s = 0.0
            for i in range(n):
                s += math.exp(z[i, j] - top)
            log_sum = top + math.log(s)
            for i in range(n):
                total += -y[i, j] * (z[i, j] - log_sum)
        else:
            for i in range(n):
                total += entry_loss(loss, fused, z[i, j], a[i, j], y[i, j])
    return total / m


@elementwise
def learning_rate(schedule: int, base: float, rate: float, every: int, step: int) -> float:
    """schedules.Schedule.learning_rate, with Python's own operations (float ** float is pow)."""
    periods = step / every
    if schedule == EXPONENTIAL:
        return base * rate**periods
    if schedule == INVERSE_TIME:
        return base / (1.0 + rate * periods)
    if schedule == STEP:
        return base * rate ** float(step // every)
    return base


@elementwise
def bias_correction(beta: float, t: int) -> float:
    """1 − β^t, with β^t from pow as Python's float ** int takes it."""
    return 1.0 - beta ** float(t)


@elementwise
def update(opt: int, hyper: np.ndarray, lr: float, t: int, params: np.ndarray, grad: np.ndarray,
           s1: np.ndarray, s2: np.ndarray) -> bool:
    """θ ← θ + Δθ for every parameter, Δθ as optimizers.py proposes it; whether θ stayed finite."""
    finite = True
    h0, h1, eps = hyper[0], hyper[1], hyper[2]
    if opt == ADAM:
        c1, c2 = bias_correction(h0, t), bias_correction(h1, t)
    else:
        c1 = c2 = 1.0
    for p in range(params.size):
        g = grad[p]
        if opt == SGD:
            step = -lr * g
        elif opt == MOMENTUM:
            s1[p] = h0 * s1[p] - lr * g
            step = s1[p]
        elif opt == NESTEROV:
            scaled = lr * g
            s1[p] = h0 * s1[p] - scaled
            step = h0 * s1[p] - scaled
        elif opt == RMSPROP:
            s1[p] = h0 * s1[p] + (1.0 - h0) * (g * g)
            step = -lr * g / (math.sqrt(s1[p]) + eps)
        else:
            s1[p] = h0 * s1[p] + (1.0 - h0) * g
            s2[p] = h1 * s2[p] + (1.0 - h1) * (g * g)
            step = -lr * (s1[p] / c1) / (math.sqrt(s2[p] / c2) + eps)
        params[p] = params[p] + step
        finite &= math.isfinite(params[p])
    return finite


@elementwise
def penalize(penalty: int, rate: float, W: np.ndarray, dW: np.ndarray) -> None:
    """dW += λ ∂R/∂W (L1: λ sign(W), L2: λ W)."""
    n, k = W.shape
    for i in range(n):
        for c in range(k):
            dW[i, c] = dW[i, c] + rate * (np.sign(W[i, c]) if penalty == L1 else W[i, c])


@elementwise
def layer_offsets(sizes: np.ndarray) -> np.ndarray:
    """Where W^l starts in the flat buffer, for l = 1..L, then the buffer's end."""
    offsets = np.zeros(sizes.size, dtype=np.int64)
    for l in range(1, sizes.size):
        offsets[l] = offsets[l - 1] + sizes[l] * sizes[l - 1] + sizes[l]
    return offsets


@elementwise
def row_offsets(sizes: np.ndarray, m: int) -> np.ndarray:
    """Where layer l's [n_l, m] block starts in a buffer holding every layer's, l = 0..L."""
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    for l in range(sizes.size):
        offsets[l + 1] = offsets[l] + sizes[l] * m
    return offsets


@elementwise
def gather(x_t: np.ndarray, y: np.ndarray, indices: np.ndarray, a0: np.ndarray, a0_t: np.ndarray,
           yb: np.ndarray) -> None:
    """The batch's examples: x as columns (a^0) and as rows (for BP4), y as columns."""
    for j in range(indices.size):
        src = x_t[indices[j]]
        a0_t[j, :] = src
        for k in range(src.size):
            a0[k, j] = src[k]
        for i in range(y.shape[0]):
            yb[i, j] = y[i, indices[j]]


@elementwise
def forward(params, sizes, codes, slopes, offsets, rows, m, zs, acts, acts_t):
    """z^l = W^l a^(l-1) + b^l and a^l = σ(z^l) for l = 1..L, over the m examples in a^0;
    each a^l below the top is also kept one example per row, for BP4."""
    depth = sizes.size - 1
    for l in range(1, depth + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        W = params[offsets[l - 1]:offsets[l - 1] + n_out * n_in].reshape((n_out, n_in))
        b = params[offsets[l - 1] + n_out * n_in:offsets[l]]
        a_in = acts[rows[l - 1]:rows[l]].reshape((n_in, m))
        z = zs[rows[l]:rows[l + 1]].reshape((n_out, m))
        a = acts[rows[l]:rows[l + 1]].reshape((n_out, m))
        affine(W, b, a_in, z)
        activate_layer(codes[l - 1], slopes[l - 1], z, a)
        if l < depth:
            acts_t[rows[l]:rows[l + 1]].reshape((m, n_out))[:] = a.T


@elementwise
def backward(params, sizes, codes, slopes, loss, fused, offsets, rows, m, zs, acts, acts_t,
             deltas, yb, grad, stack, sums, penalty, penalty_rate):
    """BP1–BP4 from the output layer down, each δ^l kept in ``deltas``; ∂C/∂θ into ``grad``,
    the mean over the m examples plus the penalty's own ∂/∂W."""
    depth = sizes.size - 1
    for l in range(depth, 0, -1):
        n_in, n_out = sizes[l - 1], sizes[l]
        z = zs[rows[l]:rows[l + 1]].reshape((n_out, m))
        a = acts[rows[l]:rows[l + 1]].reshape((n_out, m))
        delta = deltas[rows[l]:rows[l + 1]].reshape((n_out, m))
        if l == depth:
            output_delta(loss, fused, codes[l - 1], slopes[l - 1], z, a, yb, delta)  # BP1
        else:
            upper = params[offsets[l]:offsets[l] + sizes[l + 1] * n_out].reshape((sizes[l + 1], n_out))
            back_product(upper, deltas[rows[l + 1]:rows[l + 2]].reshape((sizes[l + 1], m)), delta)
            times_derivative(codes[l - 1], slopes[l - 1], z, a, delta)  # BP2
        start, w_end = offsets[l - 1], offsets[l - 1] + n_out * n_in
        dW = grad[start:w_end].reshape((n_out, n_in))
        db = grad[w_end:offsets[l]]
        for i in range(n_out):  # BP3
            db[i] = pairwise_sum(delta[i], m, stack, sums) / m
        weight_gradient(delta, acts_t[rows[l - 1]:rows[l]].reshape((m, n_in)), dW)  # BP4
        for i in range(n_out):
            for k in range(n_in):
                dW[i, k] = dW[i, k] / m
        if penalty != NO_PENALTY:
            W = params[start:w_end].reshape((n_out, n_in))
            penalize(penalty, penalty_rate, W, dW)


@elementwise
def top_loss(sizes, loss, fused, rows, m, zs, acts, yb):
    """The data loss C of the m examples, from the output layer's z and a."""
    depth = sizes.size - 1
    n_top = sizes[depth]
    top_z = zs[rows[depth]:rows[depth + 1]].reshape((n_top, m))
    top_a = acts[rows[depth]:rows[depth + 1]].reshape((n_top, m))
    return batch_loss(loss, fused, top_z, top_a, yb)


@elementwise
def trace_examples(params, sizes, codes, slopes, loss, fused, x_t, y, indices, penalty,
                   penalty_rate):
    """Forward and backward on the given examples without updating, as Trainer.trace: every
    layer's z, a and δ (one [n_l, m] block per layer, a^0 first), ∂C/∂θ and the data loss."""
    m = indices.size
    offsets = layer_offsets(sizes)
    rows = row_offsets(sizes, m)
    zs, acts, acts_t, deltas = np.zeros(rows[-1]), np.empty(rows[-1]), np.empty(rows[-1]), np.zeros(rows[-1])
    yb = np.empty((sizes[sizes.size - 1], m))
    grad = np.empty(params.size)
    stack, sums = np.zeros((3, 64), np.int64), np.zeros(64)
    gather(x_t, y, indices, acts[rows[0]:rows[1]].reshape((sizes[0], m)),
           acts_t[rows[0]:rows[1]].reshape((m, sizes[0])), yb)
    forward(params, sizes, codes, slopes, offsets, rows, m, zs, acts, acts_t)
    backward(params, sizes, codes, slopes, loss, fused, offsets, rows, m, zs, acts, acts_t,
             deltas, yb, grad, stack, sums, penalty, penalty_rate)
    return zs, acts, deltas, grad, top_loss(sizes, loss, fused, rows, m, zs, acts, yb)


@elementwise
def class_of(v: np.ndarray, j: int) -> int:
    """trainer.classes of column j: one row is P(class 1), on the side of 0.5; several, the
    largest (the first of equals, as argmax)."""
    if v.shape[0] == 1:
        return 1 if v[0, j] > 0.5 else 0
    best = 0
    for i in range(1, v.shape[0]):
        if v[i, j] > v[best, j]:
            best = i
    return best


@elementwise
def evaluate(params, sizes, codes, slopes, loss, fused, x_t, y, classify, counts):
    """Trainer.evaluation's pass over one set of examples: the data loss C and whether every
    output is finite; when ``classify`` (and finite), how many are classified right, each
    example also counted in counts[true class, predicted class]."""
    m = x_t.shape[0]
    offsets = layer_offsets(sizes)
    rows = row_offsets(sizes, m)
    zs, acts, acts_t = np.empty(rows[-1]), np.empty(rows[-1]), np.empty(rows[-1])
    n_top = sizes[sizes.size - 1]
    yb = np.empty((n_top, m))
    gather(x_t, y, np.arange(m), acts[rows[0]:rows[1]].reshape((sizes[0], m)),
           acts_t[rows[0]:rows[1]].reshape((m, sizes[0])), yb)
    forward(params, sizes, codes, slopes, offsets, rows, m, zs, acts, acts_t)
    top = acts[rows[sizes.size - 1]:rows[sizes.size]].reshape((n_top, m))
    finite = True
    for i in range(n_top):
        for j in range(m):
            finite &= math.isfinite(top[i, j])
    right = 0
    if classify and finite:
        for j in range(m):
            truth, guess = class_of(yb, j), class_of(top, j)
            counts[truth, guess] += 1
            right += truth == guess
    return top_loss(sizes, loss, fused, rows, m, zs, acts, yb), right, finite


@elementwise
def frame_numbers(params, sizes, codes, slopes, loss, fused, x_t, y, batch, example, penalty,
                  penalty_rate, kinds, layers, starts, out):
    """A frame's numbers in one call, as float32 at their fields' places in ``out``: W and b,
    ∂C/∂W and ∂C/∂b of ``batch`` (what the next update applies), and z, a and δ of the one
    ``example`` traced alone; returns that example's loss C_x."""
    grad = trace_examples(params, sizes, codes, slopes, loss, fused, x_t, y, batch, penalty,
                          penalty_rate)[3]
    zs, acts, deltas, _, shown_loss = trace_examples(params, sizes, codes, slopes, loss, fused,
                                                     x_t, y, example, penalty, penalty_rate)
    offsets = layer_offsets(sizes)
    rows = row_offsets(sizes, 1)
    for f in range(kinds.size):
        kind, l, at = kinds[f], layers[f], starts[f]
        if kind == W_FIELD or kind == DW_FIELD:
            source = params if kind == W_FIELD else grad
            first, stop = offsets[l - 1], offsets[l - 1] + sizes[l] * sizes[l - 1]
        elif kind == B_FIELD or kind == DB_FIELD:
            source = params if kind == B_FIELD else grad
            first, stop = offsets[l - 1] + sizes[l] * sizes[l - 1], offsets[l]
        elif kind == Z_FIELD or kind == A_FIELD or kind == DELTA_FIELD:
            source = zs if kind == Z_FIELD else acts if kind == A_FIELD else deltas
            first, stop = rows[l], rows[l + 1]
        else:
            continue
        for i in range(stop - first):
            out[at + i] = source[first + i]
    return shown_loss


@elementwise
def train_steps(params, sizes, codes, slopes, loss, fused, x_t, y, order, starts, batch,
                opt, hyper, base_lr, schedule, decay_rate, decay_every, steps_taken, s1, s2,
                penalty, penalty_rate):
    """Up to ``starts.size`` updates, step s on examples order[starts[s]:starts[s] + batch].
    Returns (steps applied, FINISHED | LOSS_DIVERGED | PARAMS_DIVERGED)."""
    offsets = layer_offsets(sizes)
    rows = row_offsets(sizes, batch)
    zs = np.empty(rows[-1])
    acts = np.empty(rows[-1])
    acts_t = np.empty(rows[-1])
    deltas = np.empty(rows[-1])
    yb = np.empty((sizes[sizes.size - 1], batch))
    grad = np.empty(params.size)
    stack, sums = np.zeros((3, 64), np.int64), np.zeros(64)
    for s in range(starts.size):
        gather(x_t, y, order[starts[s]:starts[s] + batch],
               acts[rows[0]:rows[1]].reshape((sizes[0], batch)),
               acts_t[rows[0]:rows[1]].reshape((batch, sizes[0])), yb)
        forward(params, sizes, codes, slopes, offsets, rows, batch, zs, acts, acts_t)
        if not math.isfinite(top_loss(sizes, loss, fused, rows, batch, zs, acts, yb)):
            return s, LOSS_DIVERGED
        backward(params, sizes, codes, slopes, loss, fused, offsets, rows, batch, zs, acts,
                 acts_t, deltas, yb, grad, stack, sums, penalty, penalty_rate)
        t = steps_taken + s
        lr = learning_rate(schedule, base_lr, decay_rate, decay_every, t)
        if not update(opt, hyper, lr, t + 1, params, grad, s1, s2):
            return s + 1, PARAMS_DIVERGED
    return starts.size, FINISHED
