# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The engine's kernels compiled ahead of time for this machine's processor (simulator/compiled.py).
# The stamp holds the module name last built for: a build is tried once for each kernel source
# and processor, so an edited kernel or a checkout moved to another machine is built again;
# without a C compiler the build says so and the engine JITs them with numba instead.
KERNELS := $(VENV)/.kernels
EXAMPLE ?= kids-shop
# The bundled real dataset: its `revenue` is the advertiser's spend and its dates have no year.
# Its conversions are post-click purchases, so a row with more of them than clicks is an error
# in the data, not view-through conversions: rejected.
ONLINE_DATA := calibration/examples/online_advertising_performance_data.csv
ONLINE_MAP := --map displays=impressions --map revenue=spend --map cost=ignore \
	--map post_click_conversions=conversions --map post_click_sales_amount=revenue \
	--map month=month --map day=day --map campaign_number=campaign --year 2020 \
	--platform adnetwork --group-by campaign,banner --view-through reject
# kids-shop's first month as an ad export (made from known rates: calibration/examples/README.md);
# its campaigns are named by the marketer, so --arm says which arm of the plan each one is.
KIDS_ACTUALS := calibration/examples/kids-shop-march-actuals.csv
KIDS_ARMS := --arm "LS Spring - Prospecting=facebook/paid_ads" \
	--arm "LS Spring - Prospecting=instagram/paid_ads" --arm "LS Spring - TikTok test=tiktok/paid_ads"

.PHONY: demo test lint bench clean setup kernels

setup: $(STAMP) kernels

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

kernels: $(STAMP)
	@wanted=$$($(BIN)/python -c "from smmsim.simulator import compiled; print(compiled.module_name())"); \
	if [ "$$(cat $(KERNELS) 2>/dev/null)" != "$$wanted" ]; then \
		$(BIN)/python -m smmsim.simulator.build_kernels && echo "$$wanted" > $(KERNELS); \
	fi

demo: setup
	$(BIN)/smmsim run scenarios/examples/$(EXAMPLE).yaml --out out/demo --summary
	$(BIN)/smmsim size-test scenarios/examples/$(EXAMPLE).yaml --out out/demo/size-test
	$(BIN)/smmsim calibrate $(ONLINE_DATA) $(ONLINE_MAP) --out out/demo/calibration \
		--write-scenario out/demo/calibration/calibrated.yaml
	$(BIN)/smmsim run scenarios/examples/reputation-steady.yaml --out out/demo/reputation
	$(BIN)/smmsim check scenarios/examples/reputation-rush.yaml --out out/demo/check
	$(BIN)/smmsim optimise scenarios/examples/$(EXAMPLE).yaml --out out/demo/optimise \
		--write-scenario out/demo/optimise/$(EXAMPLE)-optimised.yaml
	$(BIN)/smmsim brief --name "Little Steps" --sector online-shop --budget-per-month 4000 \
		--start 2027-03-01 --community-people 1 --content-per-week 4 --goal new-sales \
		--goal repeat-sales --goal order-value --order-value 42 --out out/demo/brief/kids-shop.yaml --force
	$(BIN)/smmsim track scenarios/examples/kids-shop.yaml $(KIDS_ACTUALS) --as-of 2027-03-31 \
		$(KIDS_ARMS) --out out/demo/track --write-scenario out/demo/track/kids-shop-april-may.yaml \
		--force

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_calibration.py
	$(BIN)/python benchmarks/bench_tactics.py
	$(BIN)/python benchmarks/bench_optimiser.py
	$(BIN)/python benchmarks/bench_cli.py

clean:
	rm -rf $(VENV) out .pytest_cache simulator/_kernels_aot_*
