"""FC filter passes: Tartan's FC layers are never sampled (their passes follow a cascade plan chosen
for the whole layer), and ``fc_overlap`` is a key only of the designs that model it."""
import pytest
import yaml

import accelsim
from accelsim.engine.sampling import Sampling, sampled_run
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict
from accelsim.workload.trace import build_trace

from support import ROOT


@pytest.mark.parametrize("name", ["tartan", "tartan_2b"])
def test_tartan_fc_layers_run_in_full_under_sampling(name):
    """A batch of 256 filters alone picks its own cascade: sampled that way fc7 came out +2.7%."""
    dp = accelsim.load_arch(ROOT / f"arch_configs/{name}.yaml").build()
    wl = accelsim.load_workload(ROOT / "workloads/vgg19_loom.yaml").select(["fc7"])
    full = dp.run(build_trace(wl.layers[0], wl, 0))
    est, _ = sampled_run(dp, build_trace(wl.layers[0], wl, 0, lazy=True), Sampling(0.5, seed=1))
    assert dp.filter_pass == 0
    assert int(est.compute_cycles.sum()) == int(full.compute_cycles.sum())
    assert est.actions == full.actions


def _arch(name, **params):
    data = yaml.safe_load((ROOT / f"arch_configs/{name}.yaml").read_text())
    data["datapath"].setdefault("params", {}).update(params)
    return arch_from_dict(data, f"{name}.yaml")


@pytest.mark.parametrize("name", ["loom", "tactical_e", "laconic_1k", "tartan"])
def test_fc_overlap_is_refused_where_it_is_not_modelled(name):
    with pytest.raises(SpecError, match="fc_overlap"):
        _arch(name, fc_overlap=True)


@pytest.mark.parametrize("name", ["stripes", "dstripes", "pragmatic", "diffy", "diffy_pragmatic"])
def test_fc_overlap_is_taken_where_it_is_modelled(name):
    a = _arch(name, fc_overlap=True)
    assert a.datapath.params.fc_overlap is True
    assert a.build().filter_pass == 0     # overlapped passes are not timed apart
