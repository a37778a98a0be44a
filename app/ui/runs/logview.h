#pragma once
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QToolButton;

namespace crewdeck::ui {

// A tool call's output: read-only, bounded (oldest lines go first), monospace. Follow mode
// keeps the newest line in view; scrolling up pauses it (the "Follow" button pops up) and
// scrolling back to the bottom, or clicking "Follow", resumes it. GUI thread.
class LogView : public QWidget
{
    Q_OBJECT
public:
    explicit LogView(QWidget *parent = nullptr);

    void setTitle(const QString &title);
    void setText(const QString &text);
    void appendText(const QString &text);
    void clear();
    QString text() const;

    bool isFollowing() const { return m_following; }
    void setFollowing(bool follow);
    QPlainTextEdit *editor() const { return m_edit; }
    QToolButton *followButton() const { return m_follow; }

    static constexpr int MaxBlocks = 5000;

Q_SIGNALS:
    void followingChanged(bool following);

private:
    void scrollToBottom();

    QLabel *m_title;
    QPlainTextEdit *m_edit;
    QToolButton *m_follow;
    bool m_following = true;
    bool m_programmatic = false;
};

} // namespace crewdeck::ui
