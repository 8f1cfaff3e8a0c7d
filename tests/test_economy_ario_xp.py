"""The array-API step (the GPU path) gives the numba kernel's production path."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from chokepoint.economy import ario, ario_xp, table


def _scenarios(t, B=3, T=150, seed=3):
    d = np.zeros((B, T, t.n))
    d[:, 10:80, :] = np.random.default_rng(seed).uniform(0, 0.6, (B, 1, t.n))
    return d


@pytest.mark.parametrize("params", [ario.Params(), ario.Params(inventory_days=np.inf), ario.Params(psi=1.0)])
def test_numpy_namespace_matches_the_numba_kernel(params):
    t = table.bundled()
    b = ario.baseline(t, params)
    d = _scenarios(t)
    np.testing.assert_allclose(ario_xp.simulate(b, d), ario.simulate(b, d), rtol=0, atol=1e-10 * b.x.max())


def test_the_step_uses_only_the_array_api_standard():
    """array-api-strict rejects anything outside the standard, so what passes here runs on CuPy and PyTorch."""
    xs = pytest.importorskip("array_api_strict", reason="array-api-strict is in the test extra")
    t = table.bundled()
    for params in (ario.Params(), ario.Params(inventory_days=np.inf)):
        b = ario.baseline(t, params)
        d = _scenarios(t, B=2, T=60)
        got = np.asarray(ario_xp.simulate(b, xs.asarray(d)))
        np.testing.assert_allclose(got, ario.simulate(b, d), rtol=0, atol=1e-10 * b.x.max())


def _gpu_namespaces():
    out = []
    if importlib.util.find_spec("cupy") is not None:
        out.append("cupy")
    if importlib.util.find_spec("torch") is not None:
        out.append("torch")
    return out or ["none"]


@pytest.mark.parametrize("lib", _gpu_namespaces())
def test_gpu_namespace_matches_the_numba_kernel(lib):
    if lib == "none":
        pytest.skip("no CuPy or PyTorch installed: the GPU path is not exercised here")
    pytest.importorskip("array_api_compat", reason="the GPU path needs array-api-compat (pip install 'chokepoint[gpu]')")
    t = table.bundled()
    b = ario.baseline(t)
    d = _scenarios(t)
    if lib == "cupy":
        cp = pytest.importorskip("cupy")
        if cp.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("CuPy is installed but sees no GPU")
        got = cp.asnumpy(ario_xp.simulate(b, cp.asarray(d)))
    else:
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            pytest.skip("PyTorch is installed but sees no CUDA GPU")
        got = ario_xp.simulate(b, torch.as_tensor(d, device="cuda")).cpu().numpy()
    np.testing.assert_allclose(got, ario.simulate(b, d), rtol=0, atol=1e-9 * b.x.max())
