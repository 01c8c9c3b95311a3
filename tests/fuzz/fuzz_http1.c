/*
 * fuzz_http1: libFuzzer target for common/http1.c, the request and
 * response head path and the body framing after it.  Every input is
 * parsed as a request and as a response and must keep the invariants of
 * http1_check.h; a broken one aborts, and libFuzzer writes the input to
 * tests/fuzz/regress/ (see `make fuzz`), which the replay unit test
 * feeds through the same checks on every `make check`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "http1.h"
#include "http1_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why;

	if ((why = http1_check(data, size)) != NULL) {
		fprintf(stderr, "fuzz_http1: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
