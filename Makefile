# Thin targets; CI runs them as they are.
.PHONY: run test check bench fmt

# Run the bundled example API (a chat room, as Go Lambda functions) on 127.0.0.1:3001, its
# dashboard on 127.0.0.1:3002.
run:
	go run ./cmd/switchboard serve --config examples/chat/switchboard.yaml --admin 127.0.0.1:3002

# Install what the tests need (when missing) and run every test with the race detector.
test:
	./scripts/test.sh

# gofmt and go vet.
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# The benchmark suite, about seven minutes on two cores: writes and prints
# bench/results/<date>.md (profiles in bench/results/<date>/, not committed). See
# docs/performance.md.
.PHONY: bench-smoke
bench:
	go run ./bench/suite

# The suite's short version, under a minute, for CI: fails when a row cannot run, never on a
# missed budget.
bench-smoke:
	go run ./bench/suite -smoke
