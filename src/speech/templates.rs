//! Operator templates: reword any built-in sentence, per locale, without recompiling.
//!
//! ```toml
//! [templates.en-US]
//! asap_position = "You're caller {position}. Expect us in {wait}."
//! scheduled_today = "We'll call you {day} {at_time}."
//!
//! [templates.es-US]
//! not_found = "No tenemos ninguna solicitud para su número."
//! ```
//!
//! Keys are [`Situation`] names; each situation accepts the placeholders listed by
//! [`Situation::placeholders`]. `{{` and `}}` write literal braces. Templates are checked when
//! loaded: an unknown locale, situation or placeholder, a placeholder the situation does not
//! have, an unbalanced brace, control characters or an empty template are errors
//! ([`ErrorKind::InvalidConfig`]) that name the offending key.
//!
//! Templates apply to the **text** and **SSML** renderers (in SSML each value keeps its
//! `say-as` markup and the template's own words are XML-escaped). The **prompts** renderer
//! always keeps the built-in wording: there are no recordings for an operator's own words.

use super::locale::Locale;
use super::situation::{Placeholder, Situation};
use crate::error::{Error, ErrorKind};
use std::collections::BTreeMap;

/// Longest template accepted, in characters.
const MAX_TEMPLATE_CHARS: usize = 1000;

/// Operator rewordings, by locale and situation. Empty by default (built-in wording).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates {
    by_key: BTreeMap<(&'static str, Situation), Template>,
}

/// One parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// A piece of a template: the operator's own words, or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text, spoken as written.
    Text(String),
    /// A value, rendered by the locale and renderer.
    Value(Placeholder),
}

impl Templates {
    /// No templates: every sentence uses the built-in wording.
    pub fn new() -> Templates {
        Templates::default()
    }

    /// Load templates from TOML: either the `[templates]` table itself (keys are locales), or
    /// a whole document that has a `templates` table (other keys are ignored).
    ///
    /// ```toml
    /// [templates.en-US]
    /// asap_position = "You're caller {position}. Expect us in {wait}."
    /// ```
    pub fn from_toml_table(table: &toml::Table) -> Result<Templates, Error> {
        let root = match table.get("templates") {
            Some(toml::Value::Table(inner)) => inner,
            Some(_) => return Err(invalid("templates must be a table of locales".to_string())),
            None => table,
        };
        let mut templates = Templates::new();
        for (locale_key, entries) in root {
            let locale = Locale::parse(locale_key).map_err(|_| {
                invalid(format!(
                    "templates.{}: unknown locale; available: {}",
                    super::eta::clip(locale_key),
                    Locale::all()
                        .map(|l| l.tag())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let toml::Value::Table(entries) = entries else {
                return Err(invalid(format!(
                    "templates.{locale_key} must be a table of message = \"template\" entries"
                )));
            };
            for (name, value) in entries {
                let toml::Value::String(text) = value else {
                    return Err(invalid(format!(
                        "templates.{locale_key}.{}: the template must be a string",
                        super::eta::clip(name)
                    )));
                };
                templates
                    .insert_named(locale, name, text)
                    .map_err(|detail| invalid(format!("templates.{locale_key}.{detail}")))?;
            }
        }
        Ok(templates)
    }

    /// Add (or replace) the template of `situation` in `locale`.
    pub fn insert(
        &mut self,
        locale: Locale,
        situation: Situation,
        text: &str,
    ) -> Result<(), Error> {
        let template = Template::parse(situation, text).map_err(|detail| {
            invalid(format!(
                "templates.{}.{}: {detail}",
                locale.tag(),
                situation.name()
            ))
        })?;
        self.by_key.insert((locale.tag(), situation), template);
        Ok(())
    }

    /// Add a template by situation name; the error detail starts with the name.
    fn insert_named(&mut self, locale: Locale, name: &str, text: &str) -> Result<(), String> {
        let shown = super::eta::clip(name);
        let situation = Situation::from_name(name).ok_or_else(|| {
            format!(
                "{shown}: unknown message name; known names: {}",
                Situation::ALL.map(Situation::name).join(", ")
            )
        })?;
        let template = Template::parse(situation, text).map_err(|e| format!("{shown}: {e}"))?;
        self.by_key.insert((locale.tag(), situation), template);
        Ok(())
    }

    /// The template for `situation` in `locale`, if the operator set one.
    pub fn get(&self, locale: Locale, situation: Situation) -> Option<&Template> {
        self.by_key.get(&(locale.tag(), situation))
    }

    /// How many templates are set.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// No template is set.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

impl Template {
    /// Parse and check a template for `situation`. The error says what is wrong.
    pub fn parse(situation: Situation, text: &str) -> Result<Template, String> {
        if text.trim().is_empty() {
            return Err("the template is empty".to_string());
        }
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(format!(
                "the template is longer than {MAX_TEMPLATE_CHARS} characters"
            ));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(format!(
                "the template contains a control character (U+{:04X}); write it on one line",
                c as u32
            ));
        }
        let allowed = situation.placeholders();
        let accepts = || {
            if allowed.is_empty() {
                format!("{situation} takes no placeholders")
            } else {
                let names: Vec<String> = allowed
                    .iter()
                    .map(|p| format!("{{{}}}", p.name()))
                    .collect();
                format!("{situation} accepts {}", names.join(", "))
            }
        };
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err("unmatched '}' (write '}}' for a literal brace)".to_string()),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!(
                                "unclosed placeholder '{{{}' (write '{{{{' for a literal brace)",
                                super::eta::clip(&name)
                            ))
                            }
                            Some(c) => name.push(c),
                        }
                    }
                    let shown = super::eta::clip(&name);
                    let placeholder = Placeholder::from_name(name.trim())
                        .ok_or_else(|| format!("unknown placeholder {{{shown}}}; {}", accepts()))?;
                    if !allowed.contains(&placeholder) {
                        return Err(format!(
                            "placeholder {{{shown}}} is not available here; {}",
                            accepts()
                        ));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Value(placeholder));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            source: text.to_string(),
            parts,
        })
    }

    /// The template as the operator wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed parts.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }
}

fn invalid(detail: String) -> Error {
    Error::new(ErrorKind::InvalidConfig, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Templates, Error> {
        let table: toml::Table = toml::from_str(text).expect("test TOML parses");
        Templates::from_toml_table(&table)
    }

    #[test]
    fn valid_templates_load_from_a_document_or_the_table() {
        let t = load(
            r#"
            [templates.en-US]
            asap_position = "You're caller {position}. Expect us in {wait}."
            [templates.es]
            not_found = "No hay {{nada}}."
            "#,
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        let tpl = t.get(Locale::EN_US, Situation::AsapPosition).unwrap();
        assert_eq!(
            tpl.parts(),
            &[
                Part::Text("You're caller ".into()),
                Part::Value(Placeholder::Position),
                Part::Text(". Expect us in ".into()),
                Part::Value(Placeholder::Wait),
                Part::Text(".".into()),
            ]
        );
        assert_eq!(
            t.get(Locale::ES_US, Situation::NotFound).unwrap().parts(),
            &[Part::Text("No hay {nada}.".into())]
        );
        assert!(t.get(Locale::ES_US, Situation::AsapPosition).is_none());

        let inner = load(
            r#"[en_US]
            lookup_failed = "Sorry!""#,
        )
        .unwrap();
        assert!(inner.get(Locale::EN_US, Situation::LookupFailed).is_some());
    }

    #[test]
    fn unknown_placeholder_is_an_error_naming_the_key() {
        let err = load(
            r#"[templates.en-US]
            asap_position = "You're caller {positon}.""#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(
            err.detail()
                .starts_with("templates.en-US.asap_position: unknown placeholder {positon}"),
            "{}",
            err.detail()
        );
        assert!(
            err.detail().contains("{position}, {wait}"),
            "{}",
            err.detail()
        );

        let err = load(
            r#"[templates.en-US]
            completed = "Done at {time}.""#,
        )
        .unwrap_err();
        assert!(
            err.detail()
                .contains("{time} is not available here; completed takes no placeholders"),
            "{}",
            err.detail()
        );
    }

    #[test]
    fn unknown_situation_and_locale_are_errors() {
        let err = load(
            r#"[templates.en-US]
            asap_postion = "x""#,
        )
        .unwrap_err();
        assert!(
            err.detail()
                .starts_with("templates.en-US.asap_postion: unknown message name"),
            "{}",
            err.detail()
        );
        assert!(err.detail().contains("asap_position"));

        let err = load(
            r#"[templates.de-DE]
            completed = "x""#,
        )
        .unwrap_err();
        assert!(
            err.detail().contains("templates.de-DE: unknown locale"),
            "{}",
            err.detail()
        );
    }

    #[test]
    fn malformed_templates_are_errors() {
        for (text, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("Caller {position", "unclosed"),
            ("Caller position}", "unmatched"),
            ("Line one\nline two", "control character"),
        ] {
            let err = Template::parse(Situation::AsapPosition, text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
        assert!(Template::parse(Situation::AsapPosition, &"x".repeat(1001)).is_err());
        let err = load("[templates.en-US]\ncompleted = 3").unwrap_err();
        assert!(err.detail().contains("must be a string"));
        let err = load("[templates]\nen-US = \"x\"").unwrap_err();
        assert!(err.detail().contains("must be a table"));
    }
}
