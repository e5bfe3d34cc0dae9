/*
 * The boot trace keel-host reads (wire format and why:
 * include/keelhost/trace.h; picture: docs/timeline.md "A real boot").
 * Only on the keel-host platform: every call is a no-op until
 * ivshmem_trace_init found room for it in the shared region.
 */
#ifndef KEEL_X86_IVSHMEM_TRACE_H
#define KEEL_X86_IVSHMEM_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* The trace area: `size` bytes at `base` (mapped by the caller). */
void ivshmem_trace_init(void *base, size_t size);
/* One mailbox round trip: sent at t0, answered dt later (guest clock). */
void ivshmem_trace_request(uint32_t op, uint64_t seq, uint64_t t0, uint64_t dt);
/* One halt until an interrupt, of which `requests_ns` went to round trips
 * made by the interrupt handlers (already counted by their own records). */
void ivshmem_trace_idle(uint64_t t0, uint64_t dt, uint64_t requests_ns);
/* The kernel's ready point and where the loader handed over (guest clock);
 * the totals stop here. */
void ivshmem_trace_ready(uint64_t kernel_ns, uint64_t ready_ns);
/* Round-trip time so far (for ivshmem_trace_idle's requests_ns). */
uint64_t ivshmem_trace_request_ns(void);

#endif
