//! Annotated hex dumps: the bytes of a frame, each header bracketed and every
//! field named, for `encap` and `arp --packet`.

use std::ops::Range;

use serde::Serialize;

/// Bytes per line of a dump: eight fit beside the names on an 80-column terminal.
pub const BYTES_PER_LINE: usize = 8;

/// One named field: where it is in the frame and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub offset: usize,
    pub length: usize,
    /// The bytes in hex, no separators.
    pub hex: String,
    /// The field's meaning, e.g. `64` or `0x0800 (IPv4)`.
    pub value: String,
}

/// One layer's header (or its payload): a bracket in the dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    pub name: String,
    pub offset: usize,
    pub length: usize,
    pub fields: Vec<Field>,
}

/// Collects the fields of one layer over a frame.
#[derive(Debug)]
pub struct LayerBuilder<'a> {
    frame: &'a [u8],
    layer: Layer,
}

impl<'a> LayerBuilder<'a> {
    /// A layer named `name` that starts at `offset` in `frame`.
    pub fn new(frame: &'a [u8], name: impl Into<String>, offset: usize) -> Self {
        LayerBuilder {
            frame,
            layer: Layer {
                name: name.into(),
                offset,
                length: 0,
                fields: Vec::new(),
            },
        }
    }

    /// Adds the field at `range` (relative to the layer's start).
    pub fn field(
        mut self,
        name: &'static str,
        range: Range<usize>,
        value: impl Into<String>,
    ) -> Self {
        let start = self.layer.offset + range.start;
        let end = self.layer.offset + range.end;
        let bytes = self.frame.get(start..end).unwrap_or_default();
        self.layer.fields.push(Field {
            name,
            offset: start,
            length: range.len(),
            hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            value: value.into(),
        });
        self.layer.length = self.layer.length.max(range.end);
        self
    }

    pub fn build(self) -> Layer {
        self.layer
    }
}

/// Renders `layers` as an annotated hex dump, one line per field (long fields wrap
/// every [`BYTES_PER_LINE`] bytes).
pub fn render(layers: &[Layer]) -> Vec<String> {
    let mut lines = Vec::new();
    for layer in layers {
        lines.push(format!("┌─ {} ({} bytes)", layer.name, layer.length));
        for field in &layer.fields {
            let bytes: Vec<String> = field
                .hex
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect();
            let mut rows = bytes.chunks(BYTES_PER_LINE);
            let first = rows.next().map(|row| row.join(" ")).unwrap_or_default();
            let line = format!(
                "│ {:04x}  {:<23}  {:<18} {}",
                field.offset, first, field.name, field.value
            );
            lines.push(line.trim_end().to_string());
            for (index, row) in rows.enumerate() {
                let offset = field.offset + (index + 1) * BYTES_PER_LINE;
                lines.push(format!("│ {:04x}  {}", offset, row.join(" ")));
            }
        }
        lines.push("└─".to_string());
    }
    lines
}

/// The whole frame as lower-case hex, no separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_with_offsets_and_long_ones_wrap() {
        let frame: Vec<u8> = (0u8..12).collect();
        let layer = LayerBuilder::new(&frame, "Demo header", 2)
            .field("two bytes", 0..2, "0x0203")
            .field("the rest", 2..10, "x")
            .build();
        assert_eq!(layer.length, 10);
        let lines = render(&[layer]);
        assert_eq!(lines[0], "┌─ Demo header (10 bytes)");
        assert!(lines[1].starts_with("│ 0002  02 03 "), "{}", lines[1]);
        assert!(lines[2].contains("04 05 06 07 08 09 0a 0b"), "{}", lines[2]);
        assert_eq!(lines.last().map(String::as_str), Some("└─"));
    }

    #[test]
    fn a_field_past_the_end_shows_no_bytes_instead_of_panicking() {
        let layer = LayerBuilder::new(&[1, 2], "Short", 0)
            .field("missing", 4..6, "?")
            .build();
        assert_eq!(layer.fields[0].hex, "");
    }
}
