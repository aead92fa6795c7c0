#if !defined(__linux__)
// Not Linux: the header stops the build with its one-line message, before any Linux header.
#include "CHTTPShims.h"
#else
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include <unistd.h>
#include <sched.h>
#include <string.h>
#include "CHTTPShims.h"

int chttp_accept_nonblocking(int listener, struct sockaddr *address, socklen_t *length) {
    return accept4(listener, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int chttp_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    return CPU_COUNT(&set);
}

void chttp_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof(truncated) - 1);
    truncated[sizeof(truncated) - 1] = '\0';
    pthread_setname_np(pthread_self(), truncated);
}

// openat2 arrived in Linux 5.6; older C libraries name neither the call nor its argument.
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH 0x08
#endif

struct chttp_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int chttp_open_directory(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int chttp_open_beneath(int directory, const char *path) {
    struct chttp_open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
        .mode = 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long descriptor = syscall(SYS_openat2, directory, path, &how, sizeof(how));
    return (int)descriptor;
}

int chttp_unacknowledged_bytes(int socket) {
    int count = 0;
    if (ioctl(socket, SIOCOUTQ, &count) != 0) return -1;
    return count;
}

long chttp_random_bytes(void *buffer, size_t length) {
    return (long)getrandom(buffer, length, GRND_NONBLOCK);
}

#endif // __linux__
