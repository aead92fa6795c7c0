/*
 * What a statically linked glibc program does on `scratch` when it resolves a host name.
 * Built with `clang -static` in the same Debian 12 builder as the server (same glibc, 2.36), so
 * it behaves as the server's static binary would if it called getaddrinfo(3). For each name
 * on the command line it prints "NAME: ADDRESS" or "NAME: <getaddrinfo error text>", and exits
 * 1 if any name failed. IPv4 only, to keep the output one line per name.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct addrinfo hints, *result;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        int status = getaddrinfo(argv[i], "443", &hints, &result);
        if (status != 0) {
            printf("%s: %s\n", argv[i], gai_strerror(status));
            failed = 1;
            continue;
        }
        char address[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)result->ai_addr)->sin_addr, address, sizeof address);
        printf("%s: %s\n", argv[i], address);
        freeaddrinfo(result);
    }
    return failed;
}
