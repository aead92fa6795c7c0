#ifndef CHTTPSHIMS_H
#define CHTTPSHIMS_H

// Linux APIs that Swift's Glibc module does not export: epoll, eventfd, sendfile, and the
// _GNU_SOURCE functions accept4, pthread_setname_np and sched_getaffinity.

#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int chttp_accept_nonblocking(int listener, struct sockaddr *address, socklen_t *length);

/// The number of CPUs in the calling thread's affinity mask, or -1.
int chttp_affinity_cpu_count(void);

/// Names the calling thread (at most 15 bytes are kept).
void chttp_set_thread_name(const char *name);

#endif
