#pragma once
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QProcessEnvironment>
#include <QTcpServer>

// Small helpers shared by the tests that drive the built executables (tests/e2e,
// tests/cluster). Header-only; main thread.
namespace crewdeck::testsupport {

// A loopback port that was free a moment ago (bind to 0, read it, close).
inline quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    return s.serverPort();
}

// The test's environment without any CREWDECK_* setting, so that a developer's own settings
// never leak into a server the test starts.
inline QProcessEnvironment cleanEnv()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys) {
        if (k.startsWith(QLatin1String("CREWDECK_")))
            env.remove(k);
    }
    return env;
}

// The `seq` of each frame, in order.
inline QList<qint64> seqsOf(const QList<QJsonObject> &events)
{
    QList<qint64> out;
    out.reserve(events.size());
    for (const auto &e : events)
        out.append(e.value(QLatin1String("seq")).toInteger());
    return out;
}

} // namespace crewdeck::testsupport
