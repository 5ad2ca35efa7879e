#include "logpage.h"

#include "formatting.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace {
constexpr int MaxEntries = 5000;

} // namespace

LogPage::LogPage(QWidget *parent)
    : QWidget(parent), m_level(new QComboBox(this)), m_text(new QPlainTextEdit(this))
{
    m_level->addItem(tr("Debug and above"), int(QtDebugMsg));
    m_level->addItem(tr("Info and above"), int(QtInfoMsg));
    m_level->addItem(tr("Warnings and errors"), int(QtWarningMsg));
    m_level->addItem(tr("Errors only"), int(QtCriticalMsg));
    m_level->setCurrentIndex(1);
    m_text->setReadOnly(true);
    m_text->setMaximumBlockCount(MaxEntries);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Level:"), this));
    bar->addWidget(m_level);
    bar->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);
    connect(m_level, &QComboBox::currentIndexChanged, this, &LogPage::rebuild);
}

void LogPage::setMinimumLevel(QtMsgType level)
{
    m_level->setCurrentIndex(qMax(0, m_level->findData(int(level))));
}

bool LogPage::accepts(const LogEntry &entry) const
{
    return LogHub::severity(entry.type) >=
           LogHub::severity(QtMsgType(m_level->currentData().toInt()));
}

QString LogPage::format(const LogEntry &e)
{
    return QStringLiteral("%1 %2 [%3] %4")
        .arg(fmt::clockTime(e.timeMs), LogHub::levelName(e.type), e.category, e.message);
}

void LogPage::poll()
{
    const QList<LogEntry> fresh = LogHub::instance().since(m_lastSeq, MaxEntries);
    if (fresh.isEmpty()) return;
    m_lastSeq = fresh.last().seq;
    QStringList lines;
    for (const LogEntry &e : fresh) {
        m_entries.push_back(e);
        if (accepts(e)) lines.append(format(e));
    }
    while (m_entries.size() > size_t(MaxEntries))
        m_entries.pop_front();
    if (!lines.isEmpty()) m_text->appendPlainText(lines.join(QLatin1Char('\n')));
}

void LogPage::rebuild()
{
    QStringList lines;
    for (const LogEntry &e : m_entries)
        if (accepts(e)) lines.append(format(e));
    m_text->setPlainText(lines.join(QLatin1Char('\n')));
    m_text->moveCursor(QTextCursor::End);
}
