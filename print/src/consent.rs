//! The two decline forms a parent signs: declining participation in the state
//! registry, and declining Child Profile health-promotion mailings. Each has
//! the letterhead, a title, plain-language paragraphs on what declining means,
//! the pre-filled child, guardian, address, clinic and date, the parent's
//! statement, and signature, date and relationship lines.

use crate::PrintError;
use crate::common::{BODY_BOTTOM, CONTINUED_TOP, PageFrame, full_name, letterhead};
use crate::layout::{CONTENT_W, Doc, Flow, MARGIN, RIGHT, Style};
use crate::model::{ConsentForm, ConsentKind};
use salal_core::i18n::{format_date, tr};

/// Width of the field labels, mm.
const LABEL_W: f32 = 48.0;
/// Height of one pre-filled field line, mm.
const FIELD_H: f32 = 8.0;

/// Lay out the form.
pub(crate) fn render(form: &ConsentForm) -> Result<Vec<u8>, PrintError> {
    let lang = form.lang;
    let prefix = match form.kind {
        ConsentKind::RegistryDecline => "print.consent.registry",
        ConsentKind::MailingsDecline => "print.consent.mailings",
    };
    let key = |part: &str| format!("{prefix}.{part}");
    let title = tr(lang, &key("title")).to_owned();
    let mut doc = Doc::new(&title)?;
    let mut flow = doc.flow(MARGIN, CONTINUED_TOP, BODY_BOTTOM);

    let top = flow.y;
    let bottom = letterhead(flow.page(), MARGIN, top + 0.5, CONTENT_W, &form.clinic);
    flow.y = bottom + 6.0;
    let title_style = Style::bold(14.0);
    let (title_style, title_lines) =
        flow.measure()
            .fit_lines(title_style, 10.0, &title, CONTENT_W, 3);
    let y = flow.y;
    flow.y = flow.page().lines(MARGIN, y, title_style, &title_lines) + 3.0;
    let y = flow.y;
    flow.page().hline(MARGIN, RIGHT, y, 0.6);
    flow.y += 5.0;

    for part in ["p1", "p2", "p3"] {
        paragraph(&mut flow, tr(lang, &key(part)), Style::regular(10.0));
    }
    flow.y += 2.0;

    let child = &form.child;
    let fields: Vec<(&str, Vec<String>)> = vec![
        (
            tr(lang, "print.consent.child"),
            vec![full_name(&child.name)],
        ),
        (
            tr(lang, "print.consent.birth_date"),
            vec![format_date(lang, child.birth_date)],
        ),
        (
            tr(lang, "print.consent.guardian"),
            vec![form.guardian.trim().to_owned()],
        ),
        (
            tr(lang, "print.consent.address"),
            address_lines(&form.address),
        ),
        (
            tr(lang, "print.consent.clinic"),
            vec![form.clinic.clinic_name.trim().to_owned()],
        ),
        (
            tr(lang, "print.consent.date"),
            vec![format_date(lang, form.date)],
        ),
    ];
    for (label, values) in &fields {
        field(&mut flow, label, values);
    }
    flow.y += 5.0;

    paragraph(&mut flow, tr(lang, &key("statement")), Style::bold(10.0));
    flow.y += 2.0;
    signatures(&mut flow, form);
    flow.y += 2.0;
    paragraph(
        &mut flow,
        tr(lang, "print.consent.keep"),
        Style::regular(8.0),
    );

    PageFrame::printed(
        lang,
        &form.child,
        format_date(lang, form.date),
        &form.clinic,
        false,
    )
    .finish_into(flow, &mut doc);
    Ok(doc.finish())
}

/// The address, or two blank lines to fill in.
fn address_lines(address: &[String]) -> Vec<String> {
    let lines: Vec<String> = address
        .iter()
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        vec![String::new(), String::new()]
    } else {
        lines
    }
}

/// A wrapped paragraph; lines flow onto the next page as needed.
fn paragraph(flow: &mut Flow, text: &str, style: Style) {
    for line in flow.measure().wrap(style, text, CONTENT_W) {
        flow.need(style.leading());
        let baseline = flow.y + style.cap();
        flow.page().text(MARGIN, baseline, style, &line);
        flow.y += style.leading();
    }
    flow.y += 2.5;
}

/// A label with its value(s) written on lines.
fn field(flow: &mut Flow, label: &str, values: &[String]) {
    let label_style = Style::bold(9.0);
    let value_style = Style::regular(10.5);
    let value_x = MARGIN + LABEL_W;
    let value_w = CONTENT_W - LABEL_W;
    for (index, value) in values.iter().enumerate() {
        flow.need(FIELD_H);
        let baseline = flow.y + FIELD_H - 2.2;
        let page = flow.page();
        if index == 0 {
            page.text_fit(MARGIN, baseline, label_style, 6.5, LABEL_W - 3.0, label);
        }
        page.text_fit(
            value_x + 1.0,
            baseline,
            value_style,
            7.0,
            value_w - 2.0,
            value,
        );
        page.hline(value_x, RIGHT, baseline + 1.2, 0.4);
        flow.y += FIELD_H;
    }
}

/// Signature + date, then relationship to the child.
fn signatures(flow: &mut Flow, form: &ConsentForm) {
    let lang = form.lang;
    let row_h = 14.0;
    flow.need(2.0 * row_h);
    let top = flow.y;
    let page = flow.page();
    let sig_w = 112.0;
    let date_x = MARGIN + sig_w + 8.0;
    let line1 = top + 10.0;
    page.signature_line(MARGIN, line1, sig_w, tr(lang, "print.sig.parent"));
    page.signature_line(date_x, line1, RIGHT - date_x, tr(lang, "print.sig.date"));
    page.signature_line(
        MARGIN,
        line1 + row_h,
        sig_w,
        tr(lang, "print.sig.relationship"),
    );
    flow.y = top + 2.0 * row_h + 2.0;
}
