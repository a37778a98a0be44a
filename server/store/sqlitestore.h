#pragma once
#include "server/store/sqlstore.h"

#include <QString>

namespace crewdeck::server {

// The embedded default Store: one SQLite file (WAL, busy timeout 5 s, foreign keys on,
// synchronous=NORMAL), schema migrations applied at open(). All queries live in SqlStore;
// this class only points the QSQLITE connection at the file.
//
// Thread: one instance is used only on the thread that called open() (the main thread).
// Several instances may coexist (each has its own connection name), also on one file.
class SqliteStore : public SqlStore
{
public:
    explicit SqliteStore(const QString &path);
    ~SqliteStore() override;

    QString path() const { return m_path; }

protected:
    QString describe() const override { return m_path; }

private:
    QString m_path;
};

} // namespace crewdeck::server
