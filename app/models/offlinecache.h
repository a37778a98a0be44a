#pragma once
#include "app/models/analyticsdata.h"
#include "shared/types.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QUrl>
#include <optional>

namespace crewdeck::client {

// What the app last showed for one server and user, enough to open offline: the dashboard's
// four answers, the crews, the analytics range with its timeseries, and the mission socket's
// resume point. Each part is optional (a card that never loaded stays "not loaded").
struct CachedState
{
    QDateTime savedAt; // UTC; "Offline — last updated <time>"
    User user;
    std::optional<DashboardStats> stats; // also the recent runs
    std::optional<TokenStats> tokens;
    std::optional<RentalStats> rentals;
    std::optional<QList<Crew>> crews;
    std::optional<DateRange> analyticsRange;
    QHash<QString, Timeseries> analytics; // metric -> series of analyticsRange
    std::optional<qint64> missionSeq;     // the last seq the mission socket had seen

    bool isEmpty() const { return !stats && !tokens && !rentals && !crews && analytics.isEmpty(); }
};

// The offline cache: one versioned JSON file per server and user under
// QStandardPaths::CacheLocation/offline/. Why a JSON file and not SQLite: the parts are the
// protocol's own objects, written and read with the same toJson()/fromJson() as the wire; the
// whole state is a few tens of kB, read once at start and replaced whole (QSaveFile: a crash
// mid-write leaves the previous file); nothing is queried. A file of another version, or one
// that does not parse, is ignored (it is a cache: the next live session rewrites it).
// The file name is a hash of server URL and e-mail (no address in a file name); the file is
// readable by the owner only. Any thread, one instance per thread.
class OfflineCache
{
public:
    static constexpr int Version = 1;

    // `dir` empty: <CacheLocation>/offline.
    explicit OfflineCache(QString dir = {});

    QString directory() const { return m_dir; }
    QString fileFor(const QUrl &server, const QString &email) const;
    std::optional<CachedState> load(const QUrl &server, const QString &email,
                                    QString *error = nullptr) const;
    bool save(const QUrl &server, const QString &email, const CachedState &state,
              QString *error = nullptr) const;
    bool remove(const QUrl &server, const QString &email) const;

    // The JSON document of a state (version, server, email, parts) and back; exposed for tests.
    static QByteArray encode(const QUrl &server, const QString &email, const CachedState &state);
    static std::optional<CachedState> decode(const QByteArray &bytes, const QUrl &server,
                                             const QString &email, QString *error = nullptr);

private:
    QString m_dir;
};

} // namespace crewdeck::client
