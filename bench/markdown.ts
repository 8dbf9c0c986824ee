/**
 * Markdown as `deno fmt` writes it (tables padded, prose wrapped at 100
 * columns), so the result files pass `deno fmt --check` as written.
 *
 * @module
 */

/** The line width of the project's `deno fmt` settings. */
const LINE_WIDTH = 100;

/** A paragraph, wrapped greedily at the line width; inline code stays whole. */
export function paragraph(text: string): string {
  const words = text.match(/`[^`]*`\S*|\S+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= LINE_WIDTH) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

/** How a column's cells line up. */
export type Align = "left" | "right";

/** A table with a header row; every row has one cell per column. */
export function markdownTable(header: string[], rows: string[][], align: Align[]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((cell, column) =>
        align[column] === "right" ? cell.padStart(widths[column]) : cell.padEnd(widths[column])
      ).join(" | ")
    } |`;
  const rule = `| ${
    widths.map((width, column) =>
      align[column] === "right" ? `${"-".repeat(width - 1)}:` : "-".repeat(width)
    ).join(" | ")
  } |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
