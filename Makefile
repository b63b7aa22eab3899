# clusteremu: the whole study as a dependency graph.
#
#   make paper                 build everything for the paper profile and render the PDF
#   make paper PROFILE=smoke   the same, tiny (minutes): what the tests run
#   make help                  list the targets
#
# Each analysis script is a prerequisite of its outputs, together with the library
# sources and the profile config it reads, so editing one script rebuilds only its
# descendants and a second `make paper` with no change runs no recipe.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := help

PROFILE ?= paper
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
REBUILD ?=

# Scripts import the library from this tree, never from a stale install elsewhere.
export PYTHONPATH := $(CURDIR)/src
export MPLBACKEND := Agg

CONFIG := analysis/config/$(PROFILE).yaml
ifeq ($(wildcard $(CONFIG)),)
$(error unknown PROFILE '$(PROFILE)': no $(CONFIG); allowed: $(basename $(notdir $(wildcard analysis/config/*.yaml))))
endif

DATA := data/$(PROFILE)
FIG := figures/$(PROFILE)
BUILD := build/$(PROFILE)
LIB := $(sort $(wildcard src/clusteremu/*.py src/clusteremu/*.mplstyle))
PAPER_SRC := paper/_quarto.yml paper/references.bib $(sort $(wildcard paper/*.qmd paper/filters/*.lua))

VALIDATION_FIGS := $(FIG)/validation_energy.png $(FIG)/validation_ics.png
CAMPAIGN_FIGS := $(FIG)/summaries.png $(FIG)/noise_floor.png $(FIG)/energy_errors.png
EVAL_FIGS := $(FIG)/pred_vs_true.png $(FIG)/residuals.png $(FIG)/slices.png $(FIG)/reliability.png
CORNER_FIGS := $(FIG)/corner_typical.png $(FIG)/corner_edge.png $(FIG)/corner_ridge.png
INFER_FIGS := $(FIG)/coverage.png $(FIG)/sbc.png $(CORNER_FIGS)
OVERVIEW_FIGS := $(FIG)/pipeline.png $(FIG)/clusters.png
FIGURES := $(OVERVIEW_FIGS) $(FIG)/design.png $(VALIDATION_FIGS) $(CAMPAIGN_FIGS) $(FIG)/loss_curves.png $(EVAL_FIGS) $(INFER_FIGS)
EVAL_TABLES := $(DATA)/tables/accuracy.md $(DATA)/tables/uncertainty.md
TABLES := $(EVAL_TABLES) $(DATA)/tables/coverage.md
RESULTS := $(DATA)/design_summary.json $(DATA)/validation.json $(DATA)/campaign_summary.json \
  $(DATA)/training.json $(DATA)/evaluation.json $(DATA)/inference.json
VARIABLES := $(BUILD)/_variables.yml
PDF := $(BUILD)/paper.pdf

.PHONY: help paper figures audit test bench clean distclean lint

help: ## list the targets
	@echo "clusteremu: make TARGET [PROFILE=paper|smoke]   (PROFILE now: $(PROFILE))"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

paper: $(PDF) ## build every artifact of PROFILE and render build/PROFILE/paper.pdf

figures: $(FIGURES) ## build every figure of PROFILE

audit: | $(STAMP) ## check provenance of every figure and number; REBUILD=1: also rebuild, compare bytes
	$(PY) -m clusteremu audit --profile $(PROFILE) $(if $(REBUILD),--rebuild --venv $(VENV))

test: | $(STAMP) ## unit tests plus the end-to-end smoke pipeline (under 10 minutes)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(DATA)/emulator.eqx | $(STAMP) ## speed measurements, printed as ratios measured in one run
	@for script in $(sort $(wildcard bench/bench_*.py)); do echo "== $$script"; $(PY) $$script --profile $(PROFILE); done

lint: | $(STAMP) ## ruff lint and format check (also run by pre-commit)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean: ## delete the artifacts of PROFILE
	rm -rf $(DATA) $(FIG) $(BUILD)

distclean: ## delete the artifacts of every profile and the virtual environment
	rm -rf data/*/ figures/*/ build $(VENV)

# --- environment ---------------------------------------------------------------------
# Exact versions come from requirements.lock; pyproject.toml names the direct dependencies.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# --- pipeline --------------------------------------------------------------------------
$(DATA)/design.csv $(DATA)/design_summary.json $(FIG)/design.png &: analysis/01_design.py $(CONFIG) $(LIB) | $(STAMP)
	$(PY) analysis/01_design.py --config $(CONFIG) --table $(DATA)/design.csv \
	  --summary $(DATA)/design_summary.json --figure $(FIG)/design.png

$(DATA)/validation.json $(VALIDATION_FIGS) &: analysis/02_validate_simulator.py $(CONFIG) $(LIB) | $(STAMP)
	$(PY) analysis/02_validate_simulator.py --config $(CONFIG) --results $(DATA)/validation.json \
	  --fig-energy $(FIG)/validation_energy.png --fig-ics $(FIG)/validation_ics.png

$(DATA)/campaign.csv $(DATA)/campaign_summary.json $(CAMPAIGN_FIGS) &: analysis/03_simulate.py $(CONFIG) $(DATA)/design.csv $(LIB) | $(STAMP)
	$(PY) analysis/03_simulate.py --config $(CONFIG) --design $(DATA)/design.csv \
	  --checkpoints $(DATA)/campaign.ckpt --dataset $(DATA)/campaign.csv \
	  --summary $(DATA)/campaign_summary.json --fig-summaries $(FIG)/summaries.png \
	  --fig-noise $(FIG)/noise_floor.png --fig-energy $(FIG)/energy_errors.png

$(DATA)/emulator.eqx $(DATA)/training.json $(FIG)/loss_curves.png &: analysis/04_train_emulator.py $(CONFIG) $(DATA)/campaign.csv $(LIB) | $(STAMP)
	$(PY) analysis/04_train_emulator.py --config $(CONFIG) --dataset $(DATA)/campaign.csv \
	  --model $(DATA)/emulator.eqx --summary $(DATA)/training.json --fig-loss $(FIG)/loss_curves.png

$(DATA)/baselines.json: analysis/05_baselines.py $(CONFIG) $(DATA)/campaign.csv $(DATA)/emulator.eqx $(LIB) | $(STAMP)
	$(PY) analysis/05_baselines.py --config $(CONFIG) --dataset $(DATA)/campaign.csv \
	  --model $(DATA)/emulator.eqx --out $@

$(DATA)/evaluation.json $(EVAL_TABLES) $(EVAL_FIGS) &: analysis/06_evaluate_emulator.py $(CONFIG) $(DATA)/campaign.csv $(DATA)/emulator.eqx $(DATA)/baselines.json $(LIB) | $(STAMP)
	$(PY) analysis/06_evaluate_emulator.py --config $(CONFIG) --dataset $(DATA)/campaign.csv \
	  --model $(DATA)/emulator.eqx --baselines $(DATA)/baselines.json --results $(DATA)/evaluation.json \
	  --tables $(DATA)/tables --fig-pred $(FIG)/pred_vs_true.png --fig-resid $(FIG)/residuals.png \
	  --fig-slices $(FIG)/slices.png --fig-reliability $(FIG)/reliability.png

$(DATA)/coverage_sims.csv: analysis/07_coverage_sims.py $(CONFIG) $(LIB) | $(STAMP)
	$(PY) analysis/07_coverage_sims.py --config $(CONFIG) --checkpoints $(DATA)/coverage.ckpt --dataset $@

$(DATA)/inference.json $(DATA)/tables/coverage.md $(INFER_FIGS) &: analysis/08_inference.py $(CONFIG) $(DATA)/campaign.csv $(DATA)/coverage_sims.csv $(DATA)/emulator.eqx $(LIB) | $(STAMP)
	$(PY) analysis/08_inference.py --config $(CONFIG) --dataset $(DATA)/campaign.csv \
	  --coverage-sims $(DATA)/coverage_sims.csv --model $(DATA)/emulator.eqx --results $(DATA)/inference.json \
	  --table $(DATA)/tables/coverage.md --fig-coverage $(FIG)/coverage.png --fig-sbc $(FIG)/sbc.png \
	  --fig-corner $(CORNER_FIGS)

$(OVERVIEW_FIGS) &: analysis/09_overview_figures.py $(CONFIG) $(LIB) | $(STAMP)
	$(PY) analysis/09_overview_figures.py --config $(CONFIG) --fig-pipeline $(FIG)/pipeline.png \
	  --fig-clusters $(FIG)/clusters.png

$(VARIABLES): analysis/90_variables.py $(CONFIG) $(RESULTS) $(FIGURES) $(LIB) | $(STAMP)
	$(PY) analysis/90_variables.py --config $(CONFIG) --design-summary $(DATA)/design_summary.json \
	  --validation $(DATA)/validation.json --campaign $(DATA)/campaign_summary.json \
	  --training $(DATA)/training.json --evaluation $(DATA)/evaluation.json --inference $(DATA)/inference.json \
	  --figures $(FIGURES) --out $@

$(PDF): $(PAPER_SRC) $(VARIABLES) $(FIGURES) $(TABLES) $(LIB) | $(STAMP)
	$(PY) -m clusteremu render --profile $(PROFILE)
