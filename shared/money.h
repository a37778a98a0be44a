#pragma once
#include <QJsonValue>
#include <QString>
#include <QtGlobal>
#include <optional>

namespace crewdeck {

// An exact C7T amount in integer micro-units (1 C7T = 1'000'000 micros). The wire carries a
// JSON number with at most 6 decimals; the server stores and sums integers only.
struct Micros
{
    qint64 value = 0;

    static constexpr qint64 PerUnit = 1'000'000;
    static Micros fromUnits(qint64 units) { return Micros{units * PerUnit}; }
    // Rejects non-numbers, NaN/inf, more than 6 decimals and magnitudes beyond 2^53 micros.
    static std::optional<Micros> fromJson(const QJsonValue &v);
    // Parses "12.5", "-3", "0.000001"; same rules as fromJson.
    static std::optional<Micros> fromString(const QString &s);
    QJsonValue toJson() const;
    // Exact decimal text without trailing zeros ("12.5", "0.000001", "-3").
    QString toString() const;
    double toDouble() const { return double(value) / double(PerUnit); }

    friend constexpr bool operator==(Micros a, Micros b) { return a.value == b.value; }
    friend constexpr auto operator<=>(Micros a, Micros b) { return a.value <=> b.value; }
    friend constexpr Micros operator+(Micros a, Micros b) { return Micros{a.value + b.value}; }
    friend constexpr Micros operator-(Micros a, Micros b) { return Micros{a.value - b.value}; }
};

// price = pricePerHour x hours, rounded half-up (away from zero) to whole micros. `hours` is a
// fixed-point value with 6 decimals (parse it with Micros::fromJson) so the product is exact.
Micros multiplyRoundHalfUp(Micros pricePerHour, Micros hours);

} // namespace crewdeck
