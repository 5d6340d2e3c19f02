# datapipe: make up (run it locally), make test (every test). `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

JAVA_HOME := $(shell . scripts/lib.sh && find_java_home)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
MVN := mvn -B -ntp

SERVICES := generator persister web
# Everything the packaged services, the web console and the local identity provider are built from.
SOURCES := $(shell find pom.xml libs services console -path '*/target' -prune -o -path '*/node_modules' -prune -o -path console/browser-tests -prune -o -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' -o -name '*.xml' -o -name '*.sql' -o -name '*.html' -o -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.svg' -o -name '*.mjs' -o -name '*.json' -o -name 'org.*' -o -name 'io.*' \) -print)
BUILT := .local/build.stamp

IMAGE_REPO ?= datapipe
IMAGE_TAG ?= $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo dev)

.PHONY: help build up down token lint test bench soak images chart clean platform-values topology

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

build: $(BUILT) ## package the services and tools and make the services' AOT caches (only what changed since the last build)

$(BUILT): $(SOURCES) services/launch.sh services/aot-cache.sh
	$(MVN) -q -DskipTests -pl services/generator,services/persister,services/web,libs/local-idp,libs/monitoring-local,libs/rabbitmq-topology -am install >&2
	@# Each service's AOT cache, from a training run as the image build makes it (services/aot-cache.sh).
	for svc in $(SERVICES); do services/aot-cache.sh -jar services/$$svc/target/datapipe-$$svc.jar || exit 1; done
	@mkdir -p .local && touch $@

up: $(BUILT) ## run RabbitMQ, PostgreSQL, the identity provider and the three services locally, with the console at :8080 (OTEL=1 attaches the OpenTelemetry agent; OBSERVE=1 adds Prometheus :9090 and Alertmanager :9093)
	@scripts/up.sh

down: ## stop the services make up started
	@scripts/down.sh

token: ## print a token from the local identity provider (make up): make token SUB=alice ROLES=data.read,data.write
	@scripts/token.sh

lint: ## checks of the tree itself: no committed secret (scripts/secret-scan.sh)
	@scripts/secret-scan.sh

test: lint ## run every test: the lint, unit, integration (real RabbitMQ and PostgreSQL), end-to-end, the console in Chromium, deployment checks
	npm ci --prefix k8s/tests --no-audit --no-fund --loglevel=error
	npm ci --prefix infra/tests --no-audit --no-fund --loglevel=error
	npm test --prefix infra/tests
	scripts/chromium.sh
	scripts/monitoring-tools.sh >/dev/null
	$(MVN) verify

BENCH_SECONDS ?= 30

# bench and soak package only the harness (its dependencies come from make build's install): rebuilding the
# services' jars here would leave their AOT caches older than the jars, and launch.sh would start without them.
bench: $(BUILT) ## benchmarks against the broker's and the database's own limits (BENCH_SECONDS=5: a short run)
	$(MVN) -q -pl bench package -DskipTests >&2
	$(JAVA_HOME)/bin/java -jar bench/target/datapipe-bench.jar --seconds $(BENCH_SECONDS)

SOAK_MINUTES ?= 30
SOAK_FAULT_SECONDS ?= 180

soak: $(BUILT) ## faults every few minutes at half the maximum sustained rate on a 3-node broker cluster (SOAK_MINUTES=30, SOAK_FAULT_SECONDS=180; SOAK_RATE=POST/s skips the rate search): lost, duplicated, and resource slopes
	$(MVN) -q -pl bench package -DskipTests >&2
	$(JAVA_HOME)/bin/java -cp bench/target/datapipe-bench.jar io.datapipe.bench.Soak --minutes $(SOAK_MINUTES) --fault-every-seconds $(SOAK_FAULT_SECONDS) $(if $(SOAK_RATE),--rate $(SOAK_RATE))

images: ## build the three container images (needs a Docker engine)
	$(MVN) -q -DskipTests package
	for svc in $(SERVICES); do docker build --pull --build-arg SERVICE=$$svc --build-arg VERSION=$(IMAGE_TAG) -t $(IMAGE_REPO)/$$svc:$(IMAGE_TAG) services || exit 1; done

chart: ## lay the Helm chart's files/ from the dashboards and k8s/ sources (before helm install or package)
	@scripts/chart-files.sh

RABBITMQ_MANAGEMENT ?= http://127.0.0.1:15672

topology: ## apply k8s/base/rabbitmq (vhost, exchanges, queues, users, permissions) to a broker without the operator, through its management API (RABBITMQ_MANAGEMENT, or amqp://host:port/vhost for the exchanges, queues and bindings only; RABBITMQ_ADMIN_USERNAME/PASSWORD and DATAPIPE_SECRET_<SECRET>=user:password in the environment: libs/rabbitmq-topology)
	$(MVN) -q -DskipTests -pl libs/rabbitmq-topology -am install >&2
	java -jar libs/rabbitmq-topology/target/datapipe-rabbitmq-topology.jar k8s/base/rabbitmq $(RABBITMQ_MANAGEMENT)

platform-values: ## after terraform apply: write k8s/overlays/$(ENV)/platform.yaml from its outputs (ENV=dev|stg|prd)
	@case "$(ENV)" in dev|stg|prd) ;; *) echo "usage: make platform-values ENV=dev|stg|prd" >&2; exit 2;; esac
	terraform -chdir=infra workspace select $(ENV)
	terraform -chdir=infra output -raw platform_values_file > k8s/overlays/$(ENV)/platform.yaml.new
	mv k8s/overlays/$(ENV)/platform.yaml.new k8s/overlays/$(ENV)/platform.yaml
	@echo "k8s/overlays/$(ENV)/platform.yaml written: commit it, and Argo CD applies it"

clean: ## remove build output (not .local: keys, logs and pids stay)
	$(MVN) -q clean
	rm -f $(BUILT)
