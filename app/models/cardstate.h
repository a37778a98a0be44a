#pragma once
#include <QString>

namespace crewdeck::client {

// What one dashboard card can show: a spinner, data, an error with a retry, or an
// "empty" hint (the call worked but there is nothing to show yet).
struct CardState
{
    enum class Status { Loading, Ready, Error, Empty };
    Status status = Status::Loading;
    QString message; // the error text for Error

    static CardState loading() { return {Status::Loading, {}}; }
    static CardState ready() { return {Status::Ready, {}}; }
    static CardState empty() { return {Status::Empty, {}}; }
    static CardState error(const QString &message) { return {Status::Error, message}; }
    friend bool operator==(const CardState &a, const CardState &b) = default;
};

} // namespace crewdeck::client
