"""Fit the conditional flow mixture p(y_obs | Q0, a, sd): the likelihood that assumes no shape.

Reads:  the profile config (`--config`, sections `domain`, `simulation` (N, for the bound
        fraction's transform and dequantization) and `flow`) and the campaign dataset
        (`--dataset`).
Writes: the flow mixture (`--model`, one versioned file) and training facts with thinned
        loss curves of every member (`--summary`, JSON), with provenance records.

Trained by maximum likelihood on every training realization (Papamakarios et al. 2019), the
bound fraction dequantized and measurement errors drawn up to the configured sds, each
member stopped early on the validation split; the test split is not read.
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.flow_fit import FlowSettings, fit_flow
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "simulation", "flow")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
}
OUTPUTS = {
    "model": ("{data}/flow.eqx", "flow file"),
    "summary": ("{data}/flow.json", "training facts (JSON)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    settings = FlowSettings.from_config(config)
    data = load_emulator_data(args.dataset)
    flow, history = fit_flow(
        data.train.x,
        data.train.y,
        data.validation.x,
        data.validation.y,
        n_stars=config["simulation"]["n_stars"],
        settings=settings,
        domain=ParameterBox.from_domain(config["domain"]),
    )
    best_val = [float(history.val_nll[m, e]) for m, e in enumerate(history.best_epoch)]
    summary = {
        "members": settings.members,
        "epochs_run": int(history.epochs.max()),
        "epochs": history.epochs.tolist(),
        "best_epoch": history.best_epoch.tolist(),
        "best_val_nll": best_val,
        "loss_curves": history.curves(),
    }
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"flow": settings.seed})
    run.write_fit(args.model, flow, args.summary, summary, seconds=history.seconds)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
