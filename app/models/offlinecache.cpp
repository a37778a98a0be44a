#include "app/models/offlinecache.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

namespace {

// The identity a cache file belongs to: the server as the login normalised it and the
// e-mail as typed, case-folded (the server compares addresses case-insensitively).
QString identity(const QUrl &server, const QString &email)
{
    return server.toString(QUrl::NormalizePathSegments | QUrl::StripTrailingSlash) + u'\n' +
           email.trimmed().toCaseFolded();
}

QJsonObject rangeToJson(const DateRange &r)
{
    return {{u"preset"_s, r.preset},
            {u"from"_s, toRfc3339(r.from)},
            {u"to"_s, toRfc3339(r.to)},
            {u"bucket"_s, r.bucket}};
}

std::optional<DateRange> rangeFromJson(const QJsonObject &o)
{
    DateRange r;
    r.preset = o.value(u"preset"_s).toString();
    r.bucket = o.value(u"bucket"_s).toString();
    const auto from = parseRfc3339(o.value(u"from"_s).toString());
    const auto to = parseRfc3339(o.value(u"to"_s).toString());
    if (!from || !to)
        return std::nullopt;
    r.from = *from;
    r.to = *to;
    if (!r.isValid() || !DateRange::presets().contains(r.preset))
        return std::nullopt;
    return r;
}

template <typename T> std::optional<T> part(const QJsonObject &doc, const QString &key)
{
    if (!doc.value(key).isObject())
        return std::nullopt;
    return T::fromJson(doc.value(key).toObject());
}

} // namespace

OfflineCache::OfflineCache(QString dir) : m_dir(std::move(dir))
{
    if (m_dir.isEmpty())
        m_dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + u"/offline"_s;
}

QString OfflineCache::fileFor(const QUrl &server, const QString &email) const
{
    const QByteArray h =
        QCryptographicHash::hash(identity(server, email).toUtf8(), QCryptographicHash::Sha256)
            .toHex()
            .left(32);
    return m_dir + u'/' + QString::fromLatin1(h) + u".json"_s;
}

QByteArray OfflineCache::encode(const QUrl &server, const QString &email, const CachedState &s)
{
    QJsonObject doc{{u"version"_s, Version},
                    {u"identity"_s, identity(server, email)},
                    {u"saved_at"_s, toRfc3339(s.savedAt)},
                    {u"user"_s, s.user.toJson()}};
    if (s.stats)
        doc.insert(u"stats"_s, s.stats->toJson());
    if (s.tokens)
        doc.insert(u"tokens"_s, s.tokens->toJson());
    if (s.rentals)
        doc.insert(u"rentals"_s, s.rentals->toJson());
    if (s.crews)
        doc.insert(u"crews"_s, toJsonArray(*s.crews));
    if (s.analyticsRange) {
        QJsonObject series;
        for (auto it = s.analytics.cbegin(); it != s.analytics.cend(); ++it)
            series.insert(it.key(), it.value().toJson());
        doc.insert(u"analytics"_s, QJsonObject{{u"range"_s, rangeToJson(*s.analyticsRange)},
                                               {u"series"_s, series}});
    }
    if (s.missionSeq)
        doc.insert(u"mission_seq"_s, QString::number(*s.missionSeq));
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

std::optional<CachedState> OfflineCache::decode(const QByteArray &bytes, const QUrl &server,
                                                const QString &email, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<CachedState> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(bytes, &pe);
    if (!d.isObject())
        return fail(u"not a JSON object: "_s + pe.errorString());
    const QJsonObject doc = d.object();
    if (doc.value(u"version"_s).toInt() != Version)
        return fail(u"version %1, not %2"_s.arg(doc.value(u"version"_s).toInt()).arg(Version));
    // A hash collision, or a file copied from elsewhere: never show another account's data.
    if (doc.value(u"identity"_s).toString() != identity(server, email))
        return fail(u"written for another server or user"_s);
    CachedState s;
    const auto saved = parseRfc3339(doc.value(u"saved_at"_s).toString());
    const auto user = part<User>(doc, u"user"_s);
    if (!saved || !user)
        return fail(u"no saved_at or user"_s);
    s.savedAt = *saved;
    s.user = *user;
    s.stats = part<DashboardStats>(doc, u"stats"_s);
    s.tokens = part<TokenStats>(doc, u"tokens"_s);
    s.rentals = part<RentalStats>(doc, u"rentals"_s);
    if (doc.value(u"crews"_s).isArray()) {
        QList<Crew> crews;
        for (const QJsonValue &v : doc.value(u"crews"_s).toArray()) {
            if (auto c = Crew::fromJson(v.toObject()))
                crews.append(*c);
        }
        s.crews = crews;
    }
    const QJsonObject analytics = doc.value(u"analytics"_s).toObject();
    if (auto r = rangeFromJson(analytics.value(u"range"_s).toObject())) {
        s.analyticsRange = *r;
        const QJsonObject series = analytics.value(u"series"_s).toObject();
        for (auto it = series.begin(); it != series.end(); ++it) {
            if (auto t = Timeseries::fromJson(it.value().toObject()))
                s.analytics.insert(it.key(), *t);
        }
    }
    bool ok = false;
    const qint64 seq = doc.value(u"mission_seq"_s).toString().toLongLong(&ok);
    if (ok)
        s.missionSeq = seq;
    return s;
}

std::optional<CachedState> OfflineCache::load(const QUrl &server, const QString &email,
                                              QString *error) const
{
    QFile f(fileFor(server, email));
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = f.errorString();
        return std::nullopt;
    }
    QString why;
    auto s = decode(f.readAll(), server, email, &why);
    if (!s) {
        qCInfo(lcClient) << "offline cache ignored:" << f.fileName() << why;
        if (error)
            *error = why;
    }
    return s;
}

bool OfflineCache::save(const QUrl &server, const QString &email, const CachedState &state,
                        QString *error) const
{
    if (!QDir().mkpath(m_dir)) {
        if (error)
            *error = u"cannot create "_s + m_dir;
        return false;
    }
    QSaveFile f(fileFor(server, email));
    const QByteArray bytes = encode(server, email, state);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) {
        if (error)
            *error = f.errorString();
        f.cancelWriting();
        return false;
    }
    // The data of one account: not for other users of the machine.
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (!f.commit()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}

bool OfflineCache::remove(const QUrl &server, const QString &email) const
{
    return QFile::remove(fileFor(server, email));
}

} // namespace crewdeck::client
