//! A frame drawn by the real UI, as an SVG picture (for the README's
//! screenshots): one `<text>` per run of equally styled cells, background
//! rectangles where a cell has a background or is reversed.

use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

use super::theme::{svg_rgb as rgb, SVG_BACKGROUND as BACKGROUND, SVG_FOREGROUND as FOREGROUND};

/// Width and height of one terminal cell, in SVG user units.
const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG document for `buffer`, with `title` as its accessible title.
pub fn to_svg(buffer: &Buffer, title: &str) -> String {
    let area = buffer.area;
    let width = area.width as f32 * CELL_W + 16.0;
    let height = area.height as f32 * CELL_H + 16.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" rx=\"6\" fill=\"{BACKGROUND}\"/>\n",
        escape(title)
    );
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buffer[(area.x + x, area.y + y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (rgb(cell.fg), rgb(cell.bg));
            if reversed {
                (fg, bg) = (bg.or(Some(BACKGROUND)), fg.or(Some(FOREGROUND)));
            }
            // A run of cells with the same style.
            let start = x;
            let mut text = String::new();
            while x < area.width {
                let c = &buffer[(area.x + x, area.y + y)];
                if c.fg != cell.fg || c.bg != cell.bg || c.modifier != cell.modifier {
                    break;
                }
                text.push_str(c.symbol());
                x += 1;
            }
            let px = 8.0 + start as f32 * CELL_W;
            let py = 8.0 + y as f32 * CELL_H;
            if let Some(bg) = bg {
                out.push_str(&format!(
                    "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{:.1}\" height=\"{CELL_H:.1}\" fill=\"{bg}\"/>\n",
                    (x - start) as f32 * CELL_W
                ));
            }
            if text.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let underline = if cell.modifier.contains(Modifier::UNDERLINED) {
                " text-decoration=\"underline\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<text x=\"{px:.1}\" y=\"{:.1}\" fill=\"{}\" xml:space=\"preserve\" textLength=\"{:.1}\" lengthAdjust=\"spacingAndGlyphs\"{weight}{underline}>{}</text>\n",
                py + CELL_H - 4.0,
                fg.unwrap_or(FOREGROUND),
                (x - start) as f32 * CELL_W,
                escape(&text)
            ));
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn runs_colours_and_escaping() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 10, 1));
        buffer.set_string(0, 0, "a<b", crate::ui::theme::terraform());
        buffer.set_string(3, 0, "&", Style::default().add_modifier(Modifier::REVERSED));
        let svg = to_svg(&buffer, "t");
        assert!(svg.contains(">a&lt;b</text>"), "{svg}");
        assert!(svg.contains("fill=\"#98c379\""), "{svg}");
        assert!(svg.contains(">&amp;</text>"), "{svg}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }
}
