//! Declaring a vocabulary once: an enum whose list of every variant (`ALL`) and, for named
//! ones, whose names are generated from the enum's own declaration, so no second list can
//! forget a variant or put it out of order.

/// A fieldless enum and `ALL`, every variant in declaration order.
macro_rules! listed_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Enum:ident {
            $( $(#[$doc:meta])* $Variant:ident, )*
        }
    ) => {
        $(#[$meta])*
        $vis enum $Enum {
            $( $(#[$doc])* $Variant, )*
        }

        impl $Enum {
            /// Every variant, in declaration order.
            $vis const ALL: [$Enum; [$(stringify!($Variant)),*].len()] = [$($Enum::$Variant),*];
        }
    };
}

/// [`listed_enum!`] with a name per variant (`Variant = "name",`; the name opens the
/// variant's doc) and `name()`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Enum:ident {
            $( $(#[$doc:meta])* $Variant:ident = $name:literal, )*
        }
    ) => {
        $crate::speech::vocabulary::listed_enum! {
            $(#[$meta])*
            $vis enum $Enum {
                $( #[doc = concat!("`", $name, "`:")] $(#[$doc])* $Variant, )*
            }
        }

        impl $Enum {
            /// The name operators write (a template key, a placeholder between braces).
            $vis const fn name(self) -> &'static str {
                match self {
                    $( $Enum::$Variant => $name, )*
                }
            }
        }
    };
}

pub(crate) use {listed_enum, named_enum};
