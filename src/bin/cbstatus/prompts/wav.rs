//! Just enough WAV handling to turn espeak-ng's output (22.05 kHz PCM) into the 8 kHz mono
//! 16-bit files Asterisk plays natively.

/// 16-bit PCM audio, interleaved.
pub struct Pcm16 {
    pub rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
}

impl Pcm16 {
    /// Parse a RIFF/WAVE file holding 16-bit PCM. espeak-ng writes 0xFFFFFFFF sizes when it
    /// streams to stdout, so the data chunk runs to the end of the input.
    pub fn parse(bytes: &[u8]) -> Result<Pcm16, String> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err("espeak-ng did not produce a WAV file".into());
        }
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let mut pos = 12;
        let mut format = None;
        while pos + 8 <= bytes.len() {
            let id = &bytes[pos..pos + 4];
            let size = u32_at(pos + 4) as usize;
            let body = pos + 8;
            if id == b"fmt " && body + 16 <= bytes.len() {
                let (tag, channels, rate, bits) = (
                    u16_at(body),
                    u16_at(body + 2),
                    u32_at(body + 4),
                    u16_at(body + 14),
                );
                if tag != 1 || bits != 16 || channels == 0 || rate == 0 {
                    return Err(format!("unsupported WAV format (tag {tag}, {bits} bits)"));
                }
                format = Some((channels, rate));
            } else if id == b"data" {
                let (channels, rate) = format.ok_or("WAV data before its format")?;
                let end = body.saturating_add(size).min(bytes.len());
                let samples = bytes[body..end]
                    .chunks_exact(2)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect();
                return Ok(Pcm16 {
                    rate,
                    channels,
                    samples,
                });
            }
            pos = body.saturating_add(size + (size & 1));
        }
        Err("WAV file has no data".into())
    }

    /// Average the channels.
    pub fn into_mono(self) -> Pcm16 {
        if self.channels == 1 {
            return self;
        }
        let n = usize::from(self.channels);
        let samples = self
            .samples
            .chunks_exact(n)
            .map(|frame| (frame.iter().map(|&s| i32::from(s)).sum::<i32>() / n as i32) as i16)
            .collect();
        Pcm16 {
            rate: self.rate,
            channels: 1,
            samples,
        }
    }

    /// Resample mono audio to `rate`: a windowed-sinc low-pass at the new Nyquist frequency
    /// (no aliasing when going down to 8 kHz), evaluated at each output instant.
    pub fn resample(self, rate: u32) -> Pcm16 {
        if self.rate == rate || self.samples.is_empty() {
            return Pcm16 { rate, ..self };
        }
        const HALF_TAPS: i64 = 16;
        let ratio = f64::from(self.rate) / f64::from(rate);
        let cutoff = (f64::from(rate) / f64::from(self.rate)).min(1.0) * 0.95;
        let out_len = (self.samples.len() as f64 / ratio) as usize;
        let input = &self.samples;
        let samples = (0..out_len)
            .map(|i| {
                let center = i as f64 * ratio;
                let base = center.floor() as i64;
                let mut acc = 0.0;
                let mut weight = 0.0;
                for k in (base - HALF_TAPS + 1)..=(base + HALF_TAPS) {
                    if k < 0 || k as usize >= input.len() {
                        continue;
                    }
                    let x = center - k as f64;
                    let sinc = if x.abs() < 1e-9 {
                        1.0
                    } else {
                        let a = std::f64::consts::PI * x * cutoff;
                        a.sin() / a
                    };
                    let window = 0.5 + 0.5 * (std::f64::consts::PI * x / HALF_TAPS as f64).cos();
                    let w = sinc * window;
                    acc += f64::from(input[k as usize]) * w;
                    weight += w;
                }
                let value = if weight.abs() > 1e-9 {
                    acc / weight
                } else {
                    0.0
                };
                value
                    .round()
                    .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
            })
            .collect();
        Pcm16 {
            rate,
            channels: 1,
            samples,
        }
    }

    /// A canonical 44-byte-header WAV file.
    pub fn to_wav(&self) -> Vec<u8> {
        let data_len = (self.samples.len() * 2) as u32;
        let block_align = self.channels * 2;
        let mut out = Vec::with_capacity(44 + data_len as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&(self.rate * u32::from(block_align)).to_le_bytes());
        out.extend_from_slice(&block_align.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f64, seconds: f64) -> Pcm16 {
        let n = (f64::from(rate) * seconds) as usize;
        let samples = (0..n)
            .map(|i| {
                ((i as f64 / f64::from(rate) * hz * std::f64::consts::TAU).sin() * 10_000.0) as i16
            })
            .collect();
        Pcm16 {
            rate,
            channels: 1,
            samples,
        }
    }

    fn rms(samples: &[i16]) -> f64 {
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
    }

    #[test]
    fn round_trip_and_resample() {
        let speech_band = tone(22050, 440.0, 0.5).resample(8000);
        assert_eq!(speech_band.rate, 8000);
        assert!((speech_band.samples.len() as i64 - 4000).abs() <= 2);
        assert!(
            rms(&speech_band.samples[100..3900]) > 6000.0,
            "440 Hz passes"
        );
        let above_nyquist = tone(22050, 6000.0, 0.5).resample(8000);
        assert!(
            rms(&above_nyquist.samples[100..3900]) < 1500.0,
            "6 kHz is filtered, not aliased"
        );
        let wav = speech_band.to_wav();
        let back = Pcm16::parse(&wav).unwrap();
        assert_eq!(
            (back.rate, back.channels, back.samples.len()),
            (8000, 1, speech_band.samples.len())
        );
        assert!(Pcm16::parse(b"not a wav").is_err());
    }
}
