#pragma once
#include <QCoreApplication>

namespace crewdeck::ui {

// Translation context for texts that are not owned by one widget (status names, ...).
class Strings
{
    Q_DECLARE_TR_FUNCTIONS(Strings)
};

} // namespace crewdeck::ui
