//! Errors as the CLI prints them: I/O errors as one lowercase line, a closed pipe as no error.

use std::io;

/// An I/O error as one lowercase line, without the "(os error N)" suffix. An acronym that
/// starts it keeps its case ("IO error", not "iO error").
pub fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        (Some(_), Some(second)) if second.is_uppercase() => s,
        (Some(f), _) => f.to_lowercase().collect::<String>() + c.as_str(),
        (None, _) => s,
    }
}

/// Whether `e` (or its cause) is a broken pipe: the reader went away (`| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_messages_are_one_lowercase_line() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "no such file or directory");
        assert_eq!(io_message(&io::Error::other("IO error: disk gone")), "IO error: disk gone");
    }
}
