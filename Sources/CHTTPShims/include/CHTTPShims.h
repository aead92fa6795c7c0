#ifndef CHTTPSHIMS_H
#define CHTTPSHIMS_H

// The server is built on Linux's epoll, eventfd and sendfile. On any other system (macOS with
// Xcode's toolchain, say) the build stops here, before the first Linux header is missing, with
// one line that says what to do instead. shims.c includes this header first on such systems.
#if !defined(__linux__)
#error "demo-server runs on Linux only (epoll). On macOS or Windows, build and run it in Docker: the walkthrough's swiftd function (docs/TUTORIAL.md, Getting ready)."
#else

// Linux APIs that Swift's Glibc module does not export: epoll, eventfd, sendfile, getrandom, the
// _GNU_SOURCE functions accept4, pthread_setname_np and sched_getaffinity, and openat2.

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

// Flags whose C spelling differs between the C libraries: glibc declares socket types and epoll
// events in enums, which Swift imports as types with a `rawValue`; musl declares them as macros,
// which Swift imports as plain integers. Read through these constants, the Swift code is the same
// for both.

/// SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, for socket(2).
static const int chttp_stream_socket_nonblocking = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
/// EPOLLIN
static const uint32_t chttp_epoll_in = EPOLLIN;
/// EPOLLOUT
static const uint32_t chttp_epoll_out = EPOLLOUT;
/// EPOLLRDHUP
static const uint32_t chttp_epoll_read_hang_up = EPOLLRDHUP;
/// EPOLLHUP
static const uint32_t chttp_epoll_hang_up = EPOLLHUP;
/// EPOLLERR
static const uint32_t chttp_epoll_error = EPOLLERR;
/// EPOLLET
static const uint32_t chttp_epoll_edge_triggered = EPOLLET;

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int chttp_accept_nonblocking(int listener, struct sockaddr *address, socklen_t *length);

/// The number of CPUs in the calling thread's affinity mask, or -1.
int chttp_affinity_cpu_count(void);

/// Names the calling thread (at most 15 bytes are kept).
void chttp_set_thread_name(const char *name);

/// Opens a directory only as a place to resolve paths from (O_PATH | O_DIRECTORY | O_CLOEXEC):
/// it needs search permission, not read permission. Returns the descriptor, or -1 with errno.
int chttp_open_directory(const char *path);

/// Opens `path` (relative) for reading beneath the directory `directory` with openat2(2) and
/// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: the kernel refuses any path, `..` or symlink that
/// would leave the directory (EXDEV), in one call. O_RDONLY | O_CLOEXEC | O_NONBLOCK.
/// Returns the descriptor, or -1 with errno set; ENOSYS (or a seccomp EPERM) where the kernel
/// or the sandbox lacks openat2.
int chttp_open_beneath(int directory, const char *path);

/// Bytes in a TCP socket's send queue not yet acknowledged by the peer (SIOCOUTQ), or -1.
int chttp_unacknowledged_bytes(int socket);

/// Fills `buffer` with `length` random bytes from the kernel's CSPRNG (getrandom(2) with
/// GRND_NONBLOCK, which Swift's Glibc module does not export). Returns the number of
/// bytes written, or -1 with errno set (EAGAIN only before the kernel's pool is first seeded).
long chttp_random_bytes(void *buffer, size_t length);

#endif // __linux__

#endif
