#pragma once
#include <QLabel>

namespace crewdeck::ui {

// The error line of a form or page: word-wrapped, in the theme's error colour, hidden while it
// has nothing to say. GUI thread.
class ErrorLabel : public QLabel
{
public:
    explicit ErrorLabel(QWidget *parent = nullptr);

    // Shows `text`; an empty text hides the line.
    void showError(const QString &text);
    // What the user sees: empty while hidden.
    QString shownText() const { return isHidden() ? QString() : text(); }
};

} // namespace crewdeck::ui
