#pragma once
#include <QByteArray>
#include <QFuture>
#include <QString>

class QThreadPool;

// Password hashing with argon2id (libsodium crypto_pwhash_str, OPSLIMIT/MEMLIMIT_INTERACTIVE).
// Hashing costs tens of milliseconds and 64 MiB, so the async variants run on a dedicated
// small QThreadPool, never on the event-loop thread and never on the global pool (which is
// only two threads here and shared by everything else).
namespace crewdeck::server::passwords {

// Initialises libsodium (idempotent, thread-safe). False if the library cannot be used.
bool initialize();

// Synchronous versions: for the command line (useradd), tests and rare admin actions.
// hash() returns an empty array if hashing failed (out of memory).
QByteArray hash(const QString &password);
bool verify(const QByteArray &hash, const QString &password);

// Runs on the password pool. The futures finish on a pool thread; attach continuations with a
// context object to get back to the caller's thread.
QFuture<QByteArray> hashAsync(const QString &password);
QFuture<bool> verifyAsync(const QByteArray &hash, const QString &password);

// Burns the same time as a real verify() for an unknown e-mail, so that response time does
// not reveal whether an account exists. Always false.
bool verifyAgainstDummy(const QString &password);

// A random password of `length` characters from an unambiguous alphabet.
QString randomPassword(int length = 20);

// The dedicated pool (2 threads) for password work; the login handler's tail runs there too.
QThreadPool *pool();

} // namespace crewdeck::server::passwords
