// The config is its own module (SightlineSettings); everything that uses the pipeline uses it.
@_exported import SightlineSettings
