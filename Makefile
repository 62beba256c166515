# ngx_http_live_help_module: build, test, demo.
#
#   make          build build/ngx_http_live_help_module.so
#   make demo     install what is missing, build, run the demo shop
#   make test     install what is missing, build, run every test
#   make install  install the module the way Debian's libnginx-mod-* do

SHELL := /bin/bash

NGX_SRC    ?= /usr/share/nginx/src
BUILD      ?= build
CC_OPT     ?=
LD_OPT     ?=
DESTDIR    ?=

MODULE     := $(BUILD)/ngx_http_live_help_module.so
NGX_BUILD  := $(CURDIR)/$(BUILD)/nginx
NGX_COPY   := $(CURDIR)/$(BUILD)/nginx-src
C_FILES    := $(wildcard ngx_live_help_module/*.[ch])
STATIC     := $(shell find static -type f 2>/dev/null)
SCRIPTS    := $(wildcard ngx_live_help_module/lua/*.lua)
PURE_SRCS  := ngx_live_help_module/ngx_live_help_scan.c \
              ngx_live_help_module/ngx_live_help_ws_parse.c \
              ngx_live_help_module/ngx_live_help_token.c \
              ngx_live_help_module/ngx_live_help_proto.c \
              ngx_live_help_module/ngx_live_help_hours.c \
              ngx_live_help_module/ngx_live_help_faq.c \
              ngx_live_help_module/ngx_live_help_theme.c
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%, \
                $(wildcard tests/unit/test_*.c))

FUZZERS    := ws_parse proto scan hours token faq
FUZZ_SECONDS ?= 20

.PHONY: bench-faq
.PHONY: all deps demo-deps demo test test-unit test-client test-t test-browser install \
        uninstall check-style check-layers clean fuzz test-asan asan-module

all: $(MODULE)

$(NGX_BUILD)/Makefile: config
	rm -rf $(NGX_COPY) $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_COPY)
	cd $(NGX_COPY) && . ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="$(CC_OPT)" --with-ld-opt="$(LD_OPT)" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(NGX_BUILD) \
	    > $(CURDIR)/$(BUILD)/configure.log \
	    || { tail -20 $(CURDIR)/$(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/Makefile $(C_FILES) $(STATIC) $(SCRIPTS) \
           ngx_live_help_module/gen_assets.pl \
           ngx_live_help_module/gen_scripts.pl
	perl ngx_live_help_module/gen_assets.pl static \
	    $(NGX_BUILD)/ngx_http_live_help_assets.c
	perl ngx_live_help_module/gen_scripts.pl ngx_live_help_module/lua \
	    $(NGX_BUILD)/ngx_http_live_help_scripts.c
	cd $(NGX_COPY) && $(MAKE) -f $(NGX_BUILD)/Makefile modules
	@# a new file, not one rewritten in place: nginx running the old one
	@# keeps its mapping (rewriting it crashes the workers with SIGBUS)
	cp $(NGX_BUILD)/ngx_http_live_help_module.so $@.tmp
	mv -f $@.tmp $@

deps:
	scripts/deps.sh

demo-deps:
	scripts/deps.sh demo

demo: demo-deps $(MODULE)
	demo/run.sh

test: deps $(MODULE) check-style check-layers test-unit test-client fuzz \
      test-t test-asan test-browser

$(BUILD)/unit/%: tests/unit/%.c $(PURE_SRCS) $(PURE_SRCS:.c=.h)
	mkdir -p $(BUILD)/unit
	$(CC) -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g \
	    -fsanitize=undefined -fno-sanitize-recover=all \
	    -Ingx_live_help_module -o $@ $< $(PURE_SRCS) -lcmocka -lcrypto -ljansson -lm

# the FAQ search's speed: 500 entries, 10,000 keystrokes (bench/faq-bench.c)
$(BUILD)/bench/faq-bench: bench/faq-bench.c ngx_live_help_module/ngx_live_help_faq.c \
                          ngx_live_help_module/ngx_live_help_faq.h
	mkdir -p $(BUILD)/bench
	$(CC) -std=c99 -D_POSIX_C_SOURCE=199309L -O2 -Wall -Wextra -Werror \
	    -Ingx_live_help_module -o $@ $< \
	    ngx_live_help_module/ngx_live_help_faq.c -ljansson

bench-faq: $(BUILD)/bench/faq-bench
	$(BUILD)/bench/faq-bench 500 10000

test-unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "== $$t"; $$t || exit 1; done

# the chat client (static/widget/client.js) in Node, on a fake socket
test-client:
	node --test tests/client/

# libFuzzer with ASan and UBSan, FUZZ_SECONDS per target
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(PURE_SRCS) $(PURE_SRCS:.c=.h)
	mkdir -p $(BUILD)/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -Ingx_live_help_module -o $@ $< \
	    $(PURE_SRCS) -lcrypto -ljansson

fuzz: $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$f; \
	    cp tests/fuzz/corpus/$$f/* $(BUILD)/fuzz/corpus-$$f/; \
	    echo "== fuzz_$$f for $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(BUILD)/fuzz/$$f- \
	        -print_final_stats=1 $(BUILD)/fuzz/corpus-$$f \
	        > $(BUILD)/fuzz/$$f.log 2>&1 \
	        || { tail -40 $(BUILD)/fuzz/$$f.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|Done' $(BUILD)/fuzz/$$f.log; \
	done

test-t: $(MODULE)
	prove -r t/

# The module built with ASan and UBSan, loaded into Debian's nginx with the
# runtime preloaded; the harness fails a test on any sanitizer report.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined

asan-module:
	$(MAKE) BUILD=build-asan CC_OPT="$(ASAN_FLAGS)" LD_OPT="$(ASAN_FLAGS)" \
	    all

test-asan: asan-module
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) \
	            $$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	LIVE_HELP_MODULE=$(CURDIR)/build-asan/ngx_http_live_help_module.so \
	LIVE_HELP_TEST_TIMEOUT=30 \
	    prove t/003-inject.t t/010-ws.t t/020-chat.t t/021-conversations.t \
	          t/030-faults.t t/031-store-ready.t t/050-login.t t/060-limits.t \
	          t/070-visitor-cookie.t t/071-token-overflow.t \
	          t/072-config-traps.t t/073-agent-lifetime.t \
	          t/075-history-pages.t t/076-erase.t t/077-list-pages.t \
	          t/078-slow-catch-up.t t/080-marks.t t/081-faq.t \
	          t/082-look.t t/083-invite.t

test-browser: $(MODULE)
	node --test tests/browser/

# the event-side files call and include downward only, with no cycle
check-layers: $(MODULE)
	perl scripts/check-layers.pl $(NGX_BUILD)/addon/ngx_live_help_module

check-style:
	@bad=0; \
	for f in $(C_FILES) tests/unit/*.c; do \
	    if grep -n -P '\t' $$f; then echo "$$f: tab (nginx style: spaces)"; \
	        bad=1; fi; \
	    if awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns"; \
	        r = 1 } END { exit !r }' $$f; then bad=1; fi; \
	    if grep -n -P '[ ]+$$' $$f; then echo "$$f: trailing space"; \
	        bad=1; fi; \
	done; \
	if [ $$bad = 0 ]; then echo "style: ok"; else exit 1; fi

install: $(MODULE)
	install -D -m 644 $(MODULE) \
	    $(DESTDIR)/usr/lib/nginx/modules/ngx_http_live_help_module.so
	install -d $(DESTDIR)/usr/share/nginx/modules-available \
	    $(DESTDIR)/etc/nginx/modules-enabled
	echo "load_module modules/ngx_http_live_help_module.so;" \
	    > $(DESTDIR)/usr/share/nginx/modules-available/mod-http-live-help.conf
	ln -sf /usr/share/nginx/modules-available/mod-http-live-help.conf \
	    $(DESTDIR)/etc/nginx/modules-enabled/50-mod-http-live-help.conf
	@# the operator's command to erase a visitor (GDPR), and its script
	install -D -m 755 scripts/live-help-erase \
	    $(DESTDIR)/usr/sbin/live-help-erase
	install -D -m 644 ngx_live_help_module/lua/erase.lua \
	    $(DESTDIR)/usr/share/nginx/live-help/erase.lua

uninstall:
	rm -f $(DESTDIR)/usr/lib/nginx/modules/ngx_http_live_help_module.so \
	    $(DESTDIR)/usr/share/nginx/modules-available/mod-http-live-help.conf \
	    $(DESTDIR)/etc/nginx/modules-enabled/50-mod-http-live-help.conf \
	    $(DESTDIR)/usr/sbin/live-help-erase \
	    $(DESTDIR)/usr/share/nginx/live-help/erase.lua
	-rmdir $(DESTDIR)/usr/share/nginx/live-help 2>/dev/null

clean:
	rm -rf $(BUILD)
