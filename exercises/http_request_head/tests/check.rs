use ex_http_request_head::{HeadError, MAX_HEADERS, Request, parse_head};

/// What Firefox sends for http://127.0.0.1:8898/ (shortened a little).
const FIREFOX: &str = "GET / HTTP/1.1\r\n\
    Host: 127.0.0.1:8898\r\n\
    User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
    Accept: text/html,application/xhtml+xml\r\n\
    Accept-Language: zh-CN,zh;q=0.8,en-US;q=0.5\r\n\
    Connection: keep-alive\r\n\
    \r\n";

fn parse(head: &str) -> Request {
    parse_head(head).unwrap_or_else(|e| panic!("{head:?} is a valid head, but: {e}"))
}

#[test]
fn a_browsers_request() {
    let request = parse(FIREFOX);
    assert_eq!(
        (
            request.method.as_str(),
            request.target.as_str(),
            request.version.as_str()
        ),
        ("GET", "/", "HTTP/1.1")
    );
    assert_eq!(request.headers.len(), 5);
    assert_eq!(request.header("Host"), Some("127.0.0.1:8898"));
    assert_eq!(
        request.header("Accept-Language"),
        Some("zh-CN,zh;q=0.8,en-US;q=0.5")
    );
}

#[test]
fn header_names_are_case_insensitive() {
    let request = parse(FIREFOX);
    for name in ["host", "HOST", "hOsT"] {
        assert_eq!(
            request.header(name),
            Some("127.0.0.1:8898"),
            "header({name:?})"
        );
    }
    assert_eq!(request.header("Cookie"), None);
}

#[test]
fn a_value_may_hold_colons() {
    let request = parse("GET / HTTP/1.1\r\nReferer: http://127.0.0.1:8898/a:b\r\n\r\n");
    assert_eq!(request.header("referer"), Some("http://127.0.0.1:8898/a:b"));
}

#[test]
fn values_are_trimmed_of_spaces_and_tabs() {
    let request = parse("GET / HTTP/1.0\r\nX-A:  \t value \t\r\nX-B:\r\n\r\n");
    assert_eq!(request.header("x-a"), Some("value"));
    assert_eq!(request.header("x-b"), Some(""));
}

#[test]
fn content_length_is_digits_only() {
    let with = |value: &str| {
        parse(&format!(
            "POST /up HTTP/1.1\r\nContent-Length: {value}\r\n\r\n"
        ))
        .content_length()
    };
    assert_eq!(with("42"), Ok(42));
    assert_eq!(with("0"), Ok(0));
    assert_eq!(parse("GET / HTTP/1.1\r\n\r\n").content_length(), Ok(0));
    for bad in [
        "+5",
        "-1",
        "0x10",
        "5 5",
        "",
        "99999999999999999999999",
        "١٢",
    ] {
        assert_eq!(
            with(bad),
            Err(HeadError::ContentLength(bad.to_string())),
            "Content-Length: {bad:?} is not a length"
        );
    }
}

#[test]
fn content_length_is_found_whatever_its_case() {
    let request = parse("POST / HTTP/1.1\r\ncontent-length: 7\r\n\r\n");
    assert_eq!(request.content_length(), Ok(7));
}

#[test]
fn two_different_content_lengths_are_an_error() {
    let same = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(same.content_length(), Ok(5));
    let differ = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n");
    assert!(
        differ.content_length().is_err(),
        "Content-Length 5 and 6: which one is right? A server that picks one while a \
         proxy picks the other lets requests be smuggled"
    );
}

#[test]
fn a_space_before_the_colon_is_an_error() {
    for line in ["Host : x", "Ho st: x", ": x", "no colon at all"] {
        let head = format!("GET / HTTP/1.1\r\n{line}\r\n\r\n");
        assert_eq!(
            parse_head(&head),
            Err(HeadError::Header(line.to_string())),
            "{line:?}"
        );
    }
}

#[test]
fn malformed_request_lines_are_errors() {
    for line in [
        "GET /",
        "GET  / HTTP/1.1",
        "GET / HTTP/2",
        "GET / http/1.1",
        "",
        " / HTTP/1.1",
        "GET / HTTP/1.1 x",
    ] {
        let head = format!("{line}\r\nHost: x\r\n\r\n");
        assert_eq!(
            parse_head(&head),
            Err(HeadError::RequestLine(line.to_string())),
            "{line:?}"
        );
    }
}

#[test]
fn too_many_headers_are_an_error() {
    let mut head = String::from("GET / HTTP/1.1\r\n");
    for i in 0..MAX_HEADERS {
        head.push_str(&format!("X-{i}: {i}\r\n"));
    }
    assert!(
        parse_head(&format!("{head}\r\n")).is_ok(),
        "{MAX_HEADERS} headers are allowed"
    );
    head.push_str("X-One-More: 1\r\n\r\n");
    assert_eq!(parse_head(&head), Err(HeadError::TooManyHeaders));
}
