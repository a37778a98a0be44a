#include "app/ui/errorlabel.h"
#include "app/ui/theme.h"

#include <QPalette>

namespace crewdeck::ui {

ErrorLabel::ErrorLabel(QWidget *parent) : QLabel(parent)
{
    setWordWrap(true);
    QPalette pal = palette();
    pal.setColor(QPalette::WindowText, StatusColors::error());
    setPalette(pal);
    hide();
}

void ErrorLabel::showError(const QString &text)
{
    setText(text);
    setVisible(!text.isEmpty());
}

} // namespace crewdeck::ui
