/*
 * net/lwipopts.h: lwIP's configuration for Keel (lwIP's own option list is
 * src/include/lwip/opt.h in its source; every option not set here keeps
 * lwIP's default).
 *
 * NO_SYS=1: lwIP runs without threads, semaphores or mailboxes. Keel has one
 * CPU and cooperative work queues, and a work item is never preempted by
 * another, so lwIP needs no locking of its own as long as (1) it is entered
 * only from work items, never from interrupt handlers, and (2) no lwIP call
 * ever waits. net/stack.c keeps both: frames arrive through netdev_input
 * (a copy, handed to the `net` queue), lwIP's timeouts run from a delayed
 * work item on the `net` queue, and applications reach TCP only through
 * apps/conn.h, which queues its requests to the `net` queue instead of
 * calling lwIP. docs/architecture.md "Networking" has the picture.
 */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

#define NO_SYS                      1
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_TIMERS                 1

/* Memory: lwIP's heap and pools come from malloc (the kernel heap; in the
 * hosted build AddressSanitizer sees every lwIP allocation). */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
#define MEM_ALIGNMENT               8

/* Protocols: Ethernet, ARP, IPv4 + DHCP, IPv6 + ND + SLAAC, ICMP, UDP, TCP, DNS. */
#define LWIP_ETHERNET               1
#define LWIP_ARP                    1
#define LWIP_IPV4                   1
#define LWIP_IPV6                   1
#define LWIP_IPV6_AUTOCONFIG        1
#define LWIP_IPV6_MLD               1
#define LWIP_IPV6_DHCP6             0
#define LWIP_ICMP                   1
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   1
#define LWIP_DNS                    1
#define LWIP_RAW                    0
#define LWIP_IGMP                   0
#define LWIP_AUTOIP                 0
#define LWIP_HAVE_LOOPIF            0
/* DHCP's ARP probe of the offered address would hold the address back
 * for seconds on every boot; Hyper-V and Azure hand out unique addresses. */
#define DHCP_DOES_ARP_CHECK         0
#define LWIP_DHCP_DOES_ACD_CHECK    0
/* Fragments: TCP stays within the MSS; no reassembly buffers. */
#define IP_REASSEMBLY               0
#define IP_FRAG                     0
#define LWIP_IPV6_FRAG              0
#define LWIP_IPV6_REASS             0
#define DNS_MAX_SERVERS             2
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 0

/* Interfaces: one netif per netdev (net/netdev.c). */
#define LWIP_SINGLE_NETIF           0
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME         1
#define ETH_PAD_SIZE                0

/* TCP: a window of 16 segments each way is enough for /download to keep a
 * virtual NIC busy; counts satisfy lwIP's sanity checks in init.c. */
#define TCP_MSS                     1460
#define TCP_WND                     (16 * TCP_MSS)
#define TCP_SND_BUF                 (16 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG            TCP_SND_QUEUELEN
#define MEMP_NUM_TCP_PCB            32
#define MEMP_NUM_TCP_PCB_LISTEN     8
#define MEMP_NUM_UDP_PCB            8
#define PBUF_POOL_SIZE              32
#define LWIP_TCP_KEEPALIVE          0

/* Counters are Keel's own (struct netdev); lwIP's statistics are off. */
#define LWIP_STATS                  0
#define LWIP_STATS_DISPLAY          0

#define LWIP_RAND()                 net_rand()
#ifndef __ASSEMBLER__
#include <stdint.h>
uint32_t net_rand(void);
#endif

/* keel.efi: lwIP's own assertions are compiled out (their strings cost
 * several KiB of the image budget); the hosted build keeps them, so the
 * unit tests run lwIP with every assertion on. */
#ifdef KEEL_BARE_METAL
#define LWIP_NOASSERT               1
#endif

#endif
