# mk/deps.mk: `make deps` checks the Debian packages the build, the images,
# QEMU and the hosted tests need, and installs missing ones when run as root
# (otherwise it prints the apt-get command and stops). `make run`, `make test`
# and `make bench` run it first.

.PHONY: deps
deps:
	@scripts/deps.sh
