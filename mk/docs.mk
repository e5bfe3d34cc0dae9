# mk/docs.mk: the documents checked like code (tests/docs/).
#   test-docs   every citation resolves to a document and section in the
#               repository, no file speaks of issue numbers or people, and
#               every name the tour sends a reader to exists.

TEST_TARGETS += test-docs

.PHONY: test-docs
test-docs:
	@mkdir -p $(BUILD)/results
	@rm -f $(BUILD)/results/docs.txt
	@for c in citations mentions tour; do \
	  if tests/docs/check-$$c.sh > $(BUILD)/results/docs-$$c.log 2>&1; then \
	    echo "PASS docs/$$c" >> $(BUILD)/results/docs.txt; \
	  else \
	    echo "FAIL docs/$$c (see $(BUILD)/results/docs-$$c.log)" >> $(BUILD)/results/docs.txt; \
	    tail -5 $(BUILD)/results/docs-$$c.log; \
	  fi; \
	done; cat $(BUILD)/results/docs.txt
