# mk/deps.mk: `make deps` checks the Debian packages the build, the images,
# QEMU and the hosted tests need, and installs missing ones when run as root
# (otherwise it prints the apt-get command and stops). `make run`, `make test`
# and `make bench` run it first.

.PHONY: deps
deps:
	@scripts/deps.sh

# A build without the compilers would fail on the first `clang`: when one of
# them is missing, any goal but deps/clean runs scripts/deps.sh first (it
# installs as root, else prints the exact apt-get command) and stops if that
# fails. Decided while reading the makefiles, so `make -n` stays quiet.
DEPS_TOOLS   := $(CC) $(LD) $(OBJCOPY) $(NM) $(LZ4)
DEPS_MISSING := $(strip $(foreach t,$(DEPS_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t))))
ifneq ($(DEPS_MISSING),)
ifneq ($(filter-out deps clean distclean,$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell scripts/deps.sh >&2; echo $$?),0)
$(error missing tools: $(DEPS_MISSING))
endif
endif
endif
