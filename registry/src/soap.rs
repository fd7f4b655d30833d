//! The CDC IIS SOAP web service (`urn:cdc:iisb:2011`, the WSDL of
//! `../shared/hl7/cdc_iis_2011.wsdl`), SOAP 1.2 document/literal as the WSDL
//! binds it, at `POST /IISService2011`; `GET /IISService2011?wsdl` serves the
//! WSDL with its address set to the server asked.
//!
//! - `connectivityTest`: `return` is `echoBack`, as sent. No credential.
//! - `submitSingleMessage`: `username` = the partner id, `password` = its
//!   credential (as for `/hl7/v2`), `facilityID` (kept for the sender's own
//!   reference, not checked) and `hl7Message`, one message. `return` is the
//!   ACK, exactly as `POST /hl7/v2` answers it (through [`crate::hl7_in`]'s
//!   writer: sent only once the message is committed). A payload that is not
//!   HL7 is answered with an AR ACK.
//!
//! Faults are SOAP 1.2 faults (HTTP 400 for `env:Sender`, 500 otherwise, as
//! SOAP 1.2 part 2 says) whose `env:Detail` holds the WSDL's fault element
//! with `Code`, `Reason` and `Detail`: `SecurityFault` (code 60) for a missing
//! or wrong credential, `MessageTooLargeFault` (code 30) past
//! [`MAX_MESSAGE_BYTES`] (the envelope may be at most [`MAX_ENVELOPE_BYTES`]),
//! `UnsupportedOperationFault` (code 20) for another body element, and the
//! `fault` element of `UnknownFault` (code 10 when the request cannot be
//! read, 1 when the registry fails). The codes follow IZ Gateway's where it
//! has one (30, 60); the WSDL fixes none. A SOAP 1.1 envelope gets
//! `env:VersionMismatch`, an unknown header block marked `mustUnderstand`
//! gets `env:MustUnderstand`; WS-Addressing headers are understood, and a
//! request's `wsa:MessageID` is answered with `wsa:RelatesTo` and the WSDL's
//! output action.
//!
//! XML is read with quick-xml (no DTDs: a document type declaration is
//! refused, as SOAP 1.2 requires, so no entity is ever expanded) and written
//! with its writer and escaping; carriage returns in answers are written as
//! `&#13;` so the HL7 segment separators survive XML line-end normalization.
//! Nothing here panics on any bytes.

use crate::hl7_http::{self, AuthError, Hl7State, MAX_MESSAGE_BYTES};
use crate::hl7_in::SubmitError;
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use quick_xml::NsReader;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use std::borrow::Cow;

/// Where the service answers (the path of the WSDL's `soap12:address`).
pub const PATH: &str = "/IISService2011";
/// The largest SOAP request accepted.
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024 * 1024;
/// The WSDL's namespace.
pub const IIS_NS: &str = "urn:cdc:iisb:2011";
/// SOAP 1.2's envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// SOAP 1.1's envelope namespace (answered with `env:VersionMismatch`).
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// WS-Addressing 1.0.
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// SOAP 1.2's media type.
pub const SOAP12_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

/// The WSDL, read from the reference data at build time.
const WSDL: &str = include_str!("../../../shared/hl7/cdc_iis_2011.wsdl");
const WSDL_ADDRESS: &str = "https://localhost/IISService2011";

/// The SOAP routes.
pub fn routes() -> Router<Hl7State> {
    Router::new().route(PATH, get(wsdl).post(soap))
}

/// One operation of the service, as the request's body named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `connectivityTest`.
    ConnectivityTest {
        /// `echoBack` (`None` when nil or absent).
        echo_back: Option<String>,
    },
    /// `submitSingleMessage`.
    SubmitSingleMessage {
        /// `username`: the partner id.
        username: Option<String>,
        /// `password`: the partner's credential.
        password: Option<String>,
        /// `facilityID`.
        facility_id: Option<String>,
        /// `hl7Message`.
        hl7_message: Option<String>,
    },
}

/// A request read from its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What is asked.
    pub operation: Operation,
    /// `wsa:MessageID`, when the header had one.
    pub message_id: Option<String>,
}

/// The faults of the WSDL (the element in `env:Detail`) and of SOAP 1.2 itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// `SecurityFault`: the credential is missing or wrong.
    #[error("{0}")]
    Security(String),
    /// `MessageTooLargeFault`.
    #[error("{0}")]
    TooLarge(String),
    /// `UnsupportedOperationFault`: the body names another operation.
    #[error("{0}")]
    Unsupported(String),
    /// `UnknownFault` (`fault`) with `env:Sender`: the request cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// `UnknownFault` (`fault`) with `env:Receiver`: the registry failed.
    #[error("{0}")]
    Internal(String),
    /// `env:VersionMismatch`: not a SOAP 1.2 envelope.
    #[error("{0}")]
    VersionMismatch(String),
    /// `env:MustUnderstand`: a header block the service does not know is mandatory.
    #[error("{0}")]
    MustUnderstand(String),
}

impl Fault {
    /// SOAP 1.2's fault code value, the WSDL's element, its `Code` and `Reason`.
    fn parts(&self) -> (&'static str, Option<&'static str>, u32, &'static str) {
        match self {
            Fault::Security(_) => (
                "env:Sender",
                Some("SecurityFault"),
                60,
                "Security Exception",
            ),
            Fault::TooLarge(_) => (
                "env:Sender",
                Some("MessageTooLargeFault"),
                30,
                "Request Message Too Large",
            ),
            Fault::Unsupported(_) => (
                "env:Sender",
                Some("UnsupportedOperationFault"),
                20,
                "Unsupported Operation",
            ),
            Fault::BadRequest(_) => ("env:Sender", Some("fault"), 10, "Request Not Understood"),
            Fault::Internal(_) => ("env:Receiver", Some("fault"), 1, "Registry Failure"),
            Fault::VersionMismatch(_) => ("env:VersionMismatch", None, 10, "Version Mismatch"),
            Fault::MustUnderstand(_) => ("env:MustUnderstand", None, 10, "Must Understand"),
        }
    }

    /// The HTTP status SOAP 1.2's HTTP binding gives the fault.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        if self.parts().0 == "env:Sender" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Text as XML character data: escaped by quick-xml, carriage returns as
/// `&#13;`, and the characters XML 1.0 cannot hold at all as U+FFFD.
fn xml_text(text: &str) -> String {
    let allowed: Cow<'_, str> = if text.chars().any(|c| {
        c < ' ' && !matches!(c, '\t' | '\n' | '\r') || matches!(c, '\u{fffe}' | '\u{ffff}')
    }) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c < ' ' && !matches!(c, '\t' | '\n' | '\r')
                        || matches!(c, '\u{fffe}' | '\u{ffff}')
                    {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    };
    quick_xml::escape::escape(allowed.as_ref()).replace('\r', "&#13;")
}

/// Builds a SOAP 1.2 envelope with quick-xml's writer.
struct Envelope {
    writer: quick_xml::Writer<Vec<u8>>,
}

impl Envelope {
    fn new(header: &[(&str, &str)]) -> Envelope {
        let mut envelope = Envelope {
            writer: quick_xml::Writer::new(Vec::new()),
        };
        envelope.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let mut start = BytesStart::new("env:Envelope");
        start.push_attribute(("xmlns:env", SOAP12_NS));
        if !header.is_empty() {
            start.push_attribute(("xmlns:wsa", WSA_NS));
        }
        envelope.event(Event::Start(start));
        if !header.is_empty() {
            envelope.open("env:Header", &[]);
            for (name, value) in header {
                envelope.leaf(name, value);
            }
            envelope.close("env:Header");
        }
        envelope.open("env:Body", &[]);
        envelope
    }

    fn event(&mut self, event: Event<'_>) {
        // Writing into a Vec cannot fail.
        let _ = self.writer.write_event(event);
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.event(Event::Start(start));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.event(Event::Text(BytesText::from_escaped(xml_text(text))));
        self.close(name);
    }

    fn finish(mut self) -> Vec<u8> {
        self.close("env:Body");
        self.close("env:Envelope");
        self.writer.into_inner()
    }
}

/// The answer to an operation: `<{operation}Response><return>…</return>`.
#[must_use]
pub fn response_envelope(operation: &str, value: &str, relates_to: Option<&str>) -> Vec<u8> {
    let action = format!("{IIS_NS}:{operation}Response");
    let header: Vec<(&str, &str)> = match relates_to {
        Some(id) => vec![("wsa:Action", action.as_str()), ("wsa:RelatesTo", id)],
        None => Vec::new(),
    };
    let mut envelope = Envelope::new(&header);
    let element = format!("{operation}Response");
    envelope.open(&element, &[("xmlns", IIS_NS)]);
    envelope.leaf("return", value);
    envelope.close(&element);
    envelope.finish()
}

/// A SOAP 1.2 fault envelope for `fault`.
#[must_use]
pub fn fault_envelope(fault: &Fault) -> Vec<u8> {
    let (code, element, number, reason) = fault.parts();
    let detail = fault.to_string();
    let mut envelope = Envelope::new(&[]);
    envelope.open("env:Fault", &[]);
    envelope.open("env:Code", &[]);
    envelope.leaf("env:Value", code);
    envelope.close("env:Code");
    envelope.open("env:Reason", &[]);
    envelope.open("env:Text", &[("xml:lang", "en")]);
    envelope.event(Event::Text(BytesText::from_escaped(xml_text(&format!(
        "{reason}: {detail}"
    )))));
    envelope.close("env:Text");
    envelope.close("env:Reason");
    if let Some(element) = element {
        envelope.open("env:Detail", &[]);
        envelope.open(element, &[("xmlns", IIS_NS)]);
        envelope.leaf("Code", &number.to_string());
        envelope.leaf("Reason", reason);
        envelope.leaf("Detail", &detail);
        envelope.close(element);
        envelope.close("env:Detail");
    }
    envelope.close("env:Fault");
    envelope.finish()
}

fn bound_to(ns: &ResolveResult<'_>, uri: &str) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.0 == uri)
}

fn not_soap(reason: impl std::fmt::Display) -> Fault {
    Fault::BadRequest(format!(
        "the request is not a SOAP 1.2 envelope the service can read: {reason}"
    ))
}

/// Which part of the envelope the reader is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Outside,
    Envelope,
    Header,
    HeaderBlock,
    Body,
    Operation,
    Field,
    Done,
}

/// A parameter of the operation being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Param {
    EchoBack,
    Username,
    Password,
    FacilityId,
    Hl7Message,
    MessageId,
    Other,
}

/// The namespaces the reader tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    Soap12,
    Soap11,
    Iis,
    Wsa,
    Unbound,
    Other,
}

impl Ns {
    fn of(resolved: &ResolveResult<'_>) -> Ns {
        match resolved {
            ResolveResult::Bound(n) if n.0 == SOAP12_NS => Ns::Soap12,
            ResolveResult::Bound(n) if n.0 == SOAP11_NS => Ns::Soap11,
            ResolveResult::Bound(n) if n.0 == IIS_NS => Ns::Iis,
            ResolveResult::Bound(n) if n.0 == WSA_NS => Ns::Wsa,
            ResolveResult::Unbound => Ns::Unbound,
            _ => Ns::Other,
        }
    }
}

/// Reads a SOAP 1.2 request. Never panics: anything unreadable is a fault.
pub fn parse_request(bytes: &[u8]) -> Result<Request, Fault> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| not_soap(format!("it is not UTF-8 ({e})")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut place = Place::Outside;
    // Elements open in all, and inside a parameter or an ignored header block.
    let mut depth: usize = 0;
    let mut nested: usize = 0;
    let mut operation: Option<&'static str> = None;
    let mut param = Param::Other;
    let mut value: Option<String> = None;
    let mut nil = false;
    let mut params: Vec<(Param, Option<String>)> = Vec::new();
    let mut message_id: Option<String> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(not_soap)?;
        let ns = Ns::of(&resolved);
        // Text goes to the parameter being read; inside header blocks and
        // nested elements it is ignored; elsewhere only white space may stand.
        let reading = place == Place::Field && nested == 0;
        let ignoring = matches!(place, Place::Field | Place::HeaderBlock);
        match event {
            Event::DocType(_) => {
                return Err(not_soap(
                    "a SOAP message must not hold a document type declaration",
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
            Event::Start(_) if ignoring => {
                depth += 1;
                nested += 1;
            }
            Event::Empty(_) if ignoring => {}
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                }
                let local = start.local_name();
                let name = local.as_ref();
                match place {
                    Place::Outside => {
                        if name == "Envelope" && ns == Ns::Soap11 {
                            return Err(Fault::VersionMismatch(
                                "this is a SOAP 1.1 envelope; the service speaks SOAP 1.2 \
                                 (envelope namespace http://www.w3.org/2003/05/soap-envelope), \
                                 as its WSDL binds it"
                                    .to_owned(),
                            ));
                        }
                        if name != "Envelope" || ns != Ns::Soap12 {
                            return Err(Fault::VersionMismatch(format!(
                                "the document element is {name}, not a SOAP 1.2 Envelope"
                            )));
                        }
                        place = if empty { Place::Done } else { Place::Envelope };
                    }
                    Place::Envelope if name == "Header" && ns == Ns::Soap12 => {
                        if !empty {
                            place = Place::Header;
                        }
                    }
                    Place::Envelope if name == "Body" && ns == Ns::Soap12 => {
                        place = if empty { Place::Done } else { Place::Body };
                    }
                    Place::Envelope => {
                        return Err(not_soap(format!(
                            "{name} where the envelope holds only Header and Body"
                        )));
                    }
                    Place::Header => {
                        let in_wsa = ns == Ns::Wsa;
                        if !in_wsa && must_understand(&reader, start)? {
                            return Err(Fault::MustUnderstand(format!(
                                "the header block {name} is marked mustUnderstand, and the \
                                 service does not know it"
                            )));
                        }
                        if in_wsa && name == "MessageID" && !empty {
                            param = Param::MessageId;
                            value = None;
                            nil = false;
                            place = Place::Field;
                        } else if !empty {
                            place = Place::HeaderBlock;
                        }
                    }
                    Place::Body => {
                        let known = match name {
                            "connectivityTest" if ns == Ns::Iis => "connectivityTest",
                            "submitSingleMessage" if ns == Ns::Iis => "submitSingleMessage",
                            other => {
                                return Err(Fault::Unsupported(format!(
                                    "{other} is not an operation of this service ({IIS_NS}): \
                                     the operations are connectivityTest and \
                                     submitSingleMessage"
                                )));
                            }
                        };
                        operation = Some(known);
                        place = if empty { Place::Done } else { Place::Operation };
                    }
                    Place::Operation => {
                        // Unqualified parameters are taken too (elementFormDefault is
                        // qualified, but some clients leave the prefix off).
                        param = if matches!(ns, Ns::Iis | Ns::Unbound) {
                            match name {
                                "echoBack" => Param::EchoBack,
                                "username" => Param::Username,
                                "password" => Param::Password,
                                "facilityID" => Param::FacilityId,
                                "hl7Message" => Param::Hl7Message,
                                _ => Param::Other,
                            }
                        } else {
                            Param::Other
                        };
                        nil = is_nil(&reader, start)?;
                        value = None;
                        if empty {
                            params.push((param, if nil { None } else { Some(String::new()) }));
                        } else {
                            place = Place::Field;
                        }
                    }
                    Place::Done => {
                        return Err(not_soap(format!("{name} after the body's operation")));
                    }
                    Place::Field | Place::HeaderBlock => {}
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if nested > 0 {
                    nested -= 1;
                    continue;
                }
                place = match place {
                    Place::Field if param == Param::MessageId => {
                        message_id = value.take();
                        Place::Header
                    }
                    Place::Field => {
                        let text = if nil {
                            None
                        } else {
                            Some(value.take().unwrap_or_default())
                        };
                        params.push((param, text));
                        Place::Operation
                    }
                    Place::HeaderBlock => Place::Header,
                    Place::Header => Place::Envelope,
                    Place::Operation
                    | Place::Body
                    | Place::Envelope
                    | Place::Done
                    | Place::Outside => Place::Done,
                };
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                if reading {
                    value.get_or_insert_with(String::new).push_str(&content);
                } else if !ignoring && !content.trim().is_empty() {
                    return Err(not_soap("text where the envelope holds only elements"));
                }
            }
            Event::CData(data) => {
                if reading {
                    let raw = data.into_inner();
                    value
                        .get_or_insert_with(String::new)
                        .push_str(&raw.replace("\r\n", "\n"));
                } else if !ignoring {
                    return Err(not_soap(
                        "character data where the envelope holds only elements",
                    ));
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(not_soap)? {
                    Some(c) => c,
                    None => match reference.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(not_soap(format!(
                                "the entity &{other}; is not defined (SOAP has no DTD)"
                            )));
                        }
                    },
                };
                if reading {
                    value.get_or_insert_with(String::new).push(resolved);
                } else if !ignoring && !resolved.is_whitespace() {
                    return Err(not_soap("text where the envelope holds only elements"));
                }
            }
        }
    }
    if place != Place::Done || depth != 0 {
        return Err(not_soap("the envelope ends before it is closed"));
    }
    let take = |which: Param| {
        params
            .iter()
            .find(|(p, _)| *p == which)
            .and_then(|(_, v)| v.clone())
    };
    let operation = match operation {
        Some("connectivityTest") => Operation::ConnectivityTest {
            echo_back: take(Param::EchoBack),
        },
        Some(_) => Operation::SubmitSingleMessage {
            username: take(Param::Username),
            password: take(Param::Password),
            facility_id: take(Param::FacilityId),
            hl7_message: take(Param::Hl7Message),
        },
        None => {
            return Err(Fault::Unsupported(
                "the body names no operation: the operations are connectivityTest and \
                 submitSingleMessage"
                    .to_owned(),
            ));
        }
    };
    Ok(Request {
        operation,
        message_id,
    })
}

/// Whether `start` carries `env:mustUnderstand="true"` (or `1`).
fn must_understand(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<bool, Fault> {
    attribute_is_true(reader, start, SOAP12_NS, "mustUnderstand")
}

/// Whether `start` carries `xsi:nil="true"` (or `1`).
fn is_nil(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<bool, Fault> {
    attribute_is_true(reader, start, XSI_NS, "nil")
}

fn attribute_is_true(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    ns: &str,
    local: &str,
) -> Result<bool, Fault> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(not_soap)?;
        let (resolved, name) = reader.resolver().resolve_attribute(attribute.key);
        if bound_to(&resolved, ns) && name.as_ref() == local {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(not_soap)?;
            return Ok(matches!(value.trim(), "true" | "1"));
        }
    }
    Ok(false)
}

fn xml_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SOAP12_CONTENT_TYPE),
    );
    response
}

fn fault_response(fault: &Fault) -> Response {
    xml_response(fault.status(), fault_envelope(fault))
}

/// `GET /IISService2011?wsdl`: the WSDL, its address the host the client asked.
async fn wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let asked = query.as_deref().is_some_and(|q| {
        q.split('&').any(|p| {
            p.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("wsdl"))
        })
    });
    if !asked {
        let mut response = (
            StatusCode::OK,
            format!(
                "The CDC IIS SOAP web service (SOAP 1.2): POST envelopes here. Its WSDL is at \
                 {PATH}?wsdl.\n"
            ),
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return response;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let address = format!("https://{host}{PATH}");
    let body = WSDL.replace(WSDL_ADDRESS, &quick_xml::escape::escape(address.as_str()));
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

/// `POST /IISService2011`: one SOAP request.
async fn soap(State(state): State<Hl7State>, body: Body) -> Response {
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ENVELOPE_BYTES).await else {
        return fault_response(&Fault::TooLarge(format!(
            "the request is larger than {} KiB, the most the service takes",
            MAX_ENVELOPE_BYTES / 1024
        )));
    };
    let request = match parse_request(&bytes) {
        Ok(request) => request,
        Err(fault) => return fault_response(&fault),
    };
    let relates_to = request.message_id.as_deref();
    match request.operation {
        Operation::ConnectivityTest { echo_back } => xml_response(
            StatusCode::OK,
            response_envelope(
                "connectivityTest",
                echo_back.as_deref().unwrap_or_default(),
                relates_to,
            ),
        ),
        Operation::SubmitSingleMessage {
            username,
            password,
            facility_id: _,
            hl7_message,
        } => match submit(&state, username, password, hl7_message).await {
            Ok(ack) => xml_response(
                StatusCode::OK,
                response_envelope("submitSingleMessage", &ack, relates_to),
            ),
            Err(fault) => fault_response(&fault),
        },
    }
}

/// `submitSingleMessage`: the ACK, or the fault.
async fn submit(
    state: &Hl7State,
    username: Option<String>,
    password: Option<String>,
    hl7_message: Option<String>,
) -> Result<String, Fault> {
    let partner = hl7_http::authenticate(
        state,
        username.as_deref().unwrap_or_default(),
        password.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(|e| match e {
        AuthError::Unavailable(_) => Fault::Internal(e.to_string()),
        AuthError::Missing => Fault::Security(
            "submitSingleMessage needs username (the partner id) and password (the credential \
             `salal-registry partner add` printed)"
                .to_owned(),
        ),
        AuthError::Wrong => Fault::Security(
            "the username (partner id) or password is wrong, or the partner is no longer \
             active: check them with the registry's staff"
                .to_owned(),
        ),
    })?;
    let message = hl7_message.unwrap_or_default();
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(Fault::TooLarge(format!(
            "hl7Message is {} KiB; the most the registry takes is {} KiB",
            message.len() / 1024,
            MAX_MESSAGE_BYTES / 1024
        )));
    }
    let bytes = message.as_bytes();
    let batch = salal_hl7::read_batch(bytes);
    if batch.messages.len() > 1 {
        return Err(Fault::BadRequest(format!(
            "hl7Message holds {} messages: submitSingleMessage takes one; send a file of \
             many to /hl7/v2/batch",
            batch.messages.len()
        )));
    }
    let Some(job) = crate::hl7_in::incoming_of(partner, batch, bytes).pop() else {
        return Err(Fault::BadRequest("hl7Message holds no message".to_owned()));
    };
    match tokio::time::timeout(hl7_http::MESSAGE_TIMEOUT, state.committer.process(job)).await {
        Ok(Ok(answer)) => Ok(answer.ack),
        Ok(Err(error)) => Err(Fault::Internal(match error {
            SubmitError::Commit(_) | SubmitError::Registry(_) => format!(
                "{error}. Send the message again later (a message already stored is \
                 answered with its first ACK)"
            ),
            other => other.to_string(),
        })),
        Err(_) => Err(Fault::Internal(
            "the registry did not store the message in time: send it again later (a \
             message already stored is answered with its first ACK)"
                .to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_request(&bytes);
        }

        #[test]
        fn never_panics_on_a_mangled_envelope(
            at in 0usize..420,
            cut in 0usize..40,
            insert in "[<>&;/=\"' a-zA-Z:#x0-9!-]{0,16}",
        ) {
            let text = envelope(
                "<iis:submitSingleMessage><iis:username>u</iis:username>\
                 <iis:password>p</iis:password><iis:hl7Message>MSH|^~\\&amp;|A&#13;PID|1\
                 </iis:hl7Message></iis:submitSingleMessage>",
            );
            let mut bytes = text.into_bytes();
            let at = at.min(bytes.len());
            let end = (at + cut).min(bytes.len());
            bytes.splice(at..end, insert.bytes());
            if let Ok(request) = parse_request(&bytes) {
                let _ = response_envelope("connectivityTest", &format!("{request:?}"), None);
            }
        }
    }

    fn envelope(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"{SOAP12_NS}\" \
             xmlns:iis=\"{IIS_NS}\"><soap:Header/><soap:Body>{body}</soap:Body></soap:Envelope>"
        )
    }

    #[test]
    fn reads_both_operations() {
        let echo = envelope(
            "<iis:connectivityTest><iis:echoBack>a &amp; b</iis:echoBack></iis:connectivityTest>",
        );
        assert_eq!(
            parse_request(echo.as_bytes()).map(|r| r.operation),
            Ok(Operation::ConnectivityTest {
                echo_back: Some("a & b".to_owned())
            })
        );
        let submit = envelope(
            "<iis:submitSingleMessage><iis:username>u</iis:username><iis:password>p&lt;</iis:password>\
             <iis:facilityID xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>\
             <iis:hl7Message>MSH|^~\\&amp;|A&#13;PID|1&#xD;<![CDATA[X|<y>]]></iis:hl7Message>\
             </iis:submitSingleMessage>",
        );
        assert_eq!(
            parse_request(submit.as_bytes()).map(|r| r.operation),
            Ok(Operation::SubmitSingleMessage {
                username: Some("u".to_owned()),
                password: Some("p<".to_owned()),
                facility_id: None,
                hl7_message: Some("MSH|^~\\&|A\rPID|1\rX|<y>".to_owned()),
            })
        );
    }

    #[test]
    fn faults_for_what_is_not_the_service() {
        let soap11 = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>";
        assert!(matches!(
            parse_request(soap11.as_bytes()),
            Err(Fault::VersionMismatch(_))
        ));
        let other = envelope("<x:other xmlns:x=\"urn:x\"/>");
        assert!(matches!(
            parse_request(other.as_bytes()),
            Err(Fault::Unsupported(_))
        ));
        let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{}", envelope(""));
        assert!(matches!(
            parse_request(dtd.as_bytes()),
            Err(Fault::BadRequest(_))
        ));
        let must = format!(
            "<e:Envelope xmlns:e=\"{SOAP12_NS}\"><e:Header><x:Sec xmlns:x=\"urn:x\" \
             e:mustUnderstand=\"true\"/></e:Header><e:Body/></e:Envelope>"
        );
        assert!(matches!(
            parse_request(must.as_bytes()),
            Err(Fault::MustUnderstand(_))
        ));
        for bytes in [&b""[..], b"\xff\xfe<", b"<a>", b"<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body><i:connectivityTest xmlns:i=\"urn:cdc:iisb:2011\">"] {
            assert!(parse_request(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn answers_keep_carriage_returns_and_escape() {
        let body = response_envelope(
            "submitSingleMessage",
            "MSH|^~\\&|S\rMSA|AA|1\u{1}\r",
            Some("m-1"),
        );
        let text = String::from_utf8(body).unwrap_or_default();
        assert!(
            text.contains("<return>MSH|^~\\&amp;|S&#13;MSA|AA|1\u{fffd}&#13;</return>"),
            "{text}"
        );
        assert!(
            text.contains("<wsa:RelatesTo>m-1</wsa:RelatesTo>"),
            "{text}"
        );
        let fault = String::from_utf8(fault_envelope(&Fault::Security("no <x>".to_owned())))
            .unwrap_or_default();
        assert!(
            fault.contains("<env:Value>env:Sender</env:Value>"),
            "{fault}"
        );
        assert!(
            fault.contains("<SecurityFault xmlns=\"urn:cdc:iisb:2011\"><Code>60</Code>"),
            "{fault}"
        );
        assert!(fault.contains("<Detail>no &lt;x&gt;</Detail>"), "{fault}");
    }
}
