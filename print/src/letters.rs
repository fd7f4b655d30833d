//! Reminder / recall letters, each in the family's language: letterhead, date,
//! the address placed for a #10 window envelope, salutation, the vaccines due,
//! how to reach the clinic, and the closing. All letters go into one PDF; a
//! letter too long for one page continues under a running header.

use crate::PrintError;
use crate::common::{
    BODY_BOTTOM, CONTINUED_TOP, PageFrame, due_vaccine, due_when, full_name, letterhead,
};
use crate::layout::{CONTENT_W, Doc, Flow, MARGIN, Measure, RIGHT, Style};
use crate::model::RecallLetter;
use salal_core::i18n::{Lang, format_date, format_date_long, tr, tr_args};

/// The #10 envelope window: from the left edge, from the top, width, height (mm).
const WINDOW: (f32, f32, f32, f32) = (22.0, 50.0, 90.0, 30.0);
/// Padding inside the window, mm.
const WINDOW_PAD: f32 = 2.5;
/// Left edge of the letter text.
const TEXT_X: f32 = MARGIN + 8.0;
/// Width of the letter text.
const TEXT_W: f32 = CONTENT_W - 16.0;

/// Lay out every letter into one document.
pub(crate) fn render(
    letters: &[RecallLetter],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, PrintError> {
    let total = letters.len();
    let title = tr(
        letters.first().map_or(Lang::En, |l| l.lang),
        "print.letter.subject",
    );
    let mut doc = Doc::new(title)?;
    for (index, letter) in letters.iter().enumerate() {
        let mut flow = doc.flow(MARGIN, CONTINUED_TOP, BODY_BOTTOM);
        letter_body(&mut flow, letter);
        PageFrame {
            lang: letter.lang,
            child: Some(&letter.child),
            footer: String::new(),
            always_number: false,
        }
        .finish_into(flow, &mut doc);
        progress(index + 1, total);
    }
    if letters.is_empty() {
        doc.push(doc.canvas());
    }
    Ok(doc.finish())
}

fn letter_body(flow: &mut Flow, letter: &RecallLetter) {
    let lang = letter.lang;
    let measure = flow.measure();
    let top = flow.y;
    let date = format_date_long(lang, letter.date);
    let date_style = Style::regular(10.0);
    let date_w = measure.width(date_style, &date).min(60.0);
    let page = flow.page();
    letterhead(
        page,
        MARGIN,
        top + 0.5,
        CONTENT_W - date_w - 8.0,
        &letter.clinic,
    );
    page.text_fit(
        RIGHT - date_w,
        top + 0.5 + date_style.cap(),
        date_style,
        7.0,
        date_w,
        &date,
    );
    address(flow, measure, &letter.address_block);

    flow.y = WINDOW.1 + WINDOW.3 + 12.0;
    let subject = Style::bold(11.0);
    let y = flow.y + subject.cap();
    flow.page().text_fit(
        TEXT_X,
        y,
        subject,
        8.0,
        TEXT_W,
        tr(lang, "print.letter.subject"),
    );
    flow.y = y + 7.0;

    let body = Style::regular(10.5);
    paragraph(flow, tr(lang, "print.letter.dear"), body);
    let child = full_name(&letter.child.name);
    let intro = tr_args(
        lang,
        "print.letter.body",
        &[
            ("child", child),
            ("date", format_date(lang, letter.child.birth_date)),
        ],
    );
    paragraph(flow, &intro, body);

    let due_style = Style::regular(10.5);
    let when_style = Style::bold(10.5);
    let when_x = TEXT_X + 8.0 + TEXT_W * 0.52;
    for line in &letter.due {
        let (due_style, vaccine) = measure.fit_lines(
            due_style,
            8.0,
            &due_vaccine(lang, line),
            when_x - TEXT_X - 12.0,
            4,
        );
        let (when_style, when) = measure.fit_lines(
            when_style,
            8.0,
            &due_when(lang, line.when),
            TEXT_X + TEXT_W - when_x,
            4,
        );
        let lines = vaccine.len().max(when.len());
        flow.need(lines as f32 * due_style.leading());
        let y = flow.y;
        let page = flow.page();
        page.text(TEXT_X + 3.0, y + due_style.cap(), due_style, "•");
        page.lines(TEXT_X + 8.0, y, due_style, &vaccine);
        page.lines(when_x, y, when_style, &when);
        flow.y += lines as f32 * due_style.leading() + 0.6;
    }
    if letter.due.is_empty() {
        paragraph(flow, tr(lang, "print.due.none"), due_style);
    }
    flow.y += 3.0;

    paragraph(flow, tr(lang, "print.letter.already"), body);
    paragraph(flow, tr(lang, "print.letter.contact"), body);
    let clinic_style = Style::bold(10.5);
    let line_style = Style::regular(10.0);
    flow.need(clinic_style.leading() * (1.0 + letter.clinic.lines.len() as f32));
    let y = flow.y + clinic_style.cap();
    flow.page().text_fit(
        TEXT_X + 8.0,
        y,
        clinic_style,
        7.0,
        TEXT_W - 8.0,
        &letter.clinic.clinic_name,
    );
    flow.y += clinic_style.leading();
    for line in &letter.clinic.lines {
        flow.need(line_style.leading());
        let y = flow.y + line_style.cap();
        flow.page()
            .text_fit(TEXT_X + 8.0, y, line_style, 7.0, TEXT_W - 8.0, line);
        flow.y += line_style.leading();
    }
    flow.y += 5.0;
    paragraph(flow, tr(lang, "print.letter.closing"), body);
    flow.y += 3.0;
    paragraph(flow, &letter.clinic.clinic_name, Style::bold(10.5));
}

/// The address lines inside the envelope window, shrunk until they all fit.
fn address(flow: &mut Flow, measure: Measure, lines: &[String]) {
    let (wx, wy, ww, wh) = WINDOW;
    let (inner_w, inner_h) = (ww - 2.0 * WINDOW_PAD, wh - 2.0 * WINDOW_PAD);
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let mut style = Style::regular(10.5);
    while style.size > 6.5
        && (style.cap() + lines.len().saturating_sub(1) as f32 * style.leading() + style.descent()
            > inner_h
            || lines.iter().any(|l| measure.width(style, l) > inner_w))
    {
        style = style.sized(style.size - 0.5);
    }
    let fit = ((inner_h - style.cap() - style.descent()) / style.leading()).floor() as usize + 1;
    let page = flow.page();
    let mut baseline = wy + WINDOW_PAD + style.cap();
    for line in lines.iter().take(fit) {
        page.text_fit(wx + WINDOW_PAD, baseline, style, style.size, inner_w, line);
        baseline += style.leading();
    }
}

/// A wrapped paragraph at the letter's text column.
fn paragraph(flow: &mut Flow, text: &str, style: Style) {
    for line in flow.measure().wrap(style, text, TEXT_W) {
        flow.need(style.leading());
        let baseline = flow.y + style.cap();
        flow.page().text(TEXT_X, baseline, style, &line);
        flow.y += style.leading();
    }
    flow.y += 3.0;
}
