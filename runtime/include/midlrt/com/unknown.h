// IUnknown, the ComPtr smart pointer, and base classes that implement reference counting and aggregation.
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "midlrt/com/guid.h"
#include "midlrt/com/hresult.h"

namespace midlrt::com {

/// The root of every COM interface. Interfaces declare `static constexpr IID kIid`; objects are destroyed
/// by their own Release, never by delete through an interface (hence the protected destructor).
class IUnknown {
 public:
  /// IID_IUnknown, 00000000-0000-0000-C000-000000000046.
  static constexpr IID kIid{0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  /// Stores the object's interface `riid` in *ppvObject, AddRef'd: S_OK; E_NOINTERFACE (and null) if the
  /// object does not implement it, E_POINTER if ppvObject is null.
  virtual HRESULT QueryInterface(REFIID riid, void** ppvObject) = 0;
  /// Adds a reference; returns the new count (for diagnostics only).
  virtual ULONG AddRef() = 0;
  /// Drops a reference, destroying the object with the last; returns the new count (for diagnostics only).
  virtual ULONG Release() = 0;

 protected:
  /// Protected: objects go away through Release.
  virtual ~IUnknown() = default;
};
/// IUnknown's IID under its Windows name.
inline constexpr IID IID_IUnknown = IUnknown::kIid;

/// An owning interface pointer: AddRef on copy, Release on destruction.
template <class T>
class ComPtr {
 public:
  ///@{
  /// A null pointer.
  ComPtr() = default;
  ComPtr(std::nullptr_t) {}
  ///@}
  /// Takes a new reference (AddRef).
  explicit ComPtr(T* p) : p_(p) {
    if (p_) p_->AddRef();
  }
  /// Shares o's object (AddRef).
  ComPtr(const ComPtr& o) : ComPtr(o.p_) {}
  /// Takes o's reference, leaving o null.
  ComPtr(ComPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  /// Shares the object of a pointer to a derived interface (AddRef): ComPtr<IUnknown> from ComPtr<ICalc>.
  template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  ComPtr(const ComPtr<U>& o) : ComPtr(o.get()) {}
  /// Releases the reference held, if any.
  ~ComPtr() { reset(); }
  /// Shares o's object, releasing the one held before.
  ComPtr& operator=(const ComPtr& o) {
    ComPtr(o).swap(*this);
    return *this;
  }
  /// Takes o's reference (o becomes null), releasing the one held before.
  ComPtr& operator=(ComPtr&& o) noexcept {
    ComPtr(std::move(o)).swap(*this);
    return *this;
  }
  /// Releases the reference held and becomes null, as reset() does.
  ComPtr& operator=(std::nullptr_t) {
    reset();
    return *this;
  }

  /// Adopts a pointer whose reference the caller already owns (no AddRef).
  static ComPtr attach(T* p) {
    ComPtr r;
    r.p_ = p;
    return r;
  }
  /// Gives up ownership without Release.
  T* detach() { return std::exchange(p_, nullptr); }
  /// Releases the reference held and becomes null.
  void reset() {
    if (T* p = std::exchange(p_, nullptr)) p->Release();
  }
  /// Exchanges the pointers (no reference count changes).
  void swap(ComPtr& o) noexcept { std::swap(p_, o.p_); }

  /// The raw pointer, still owned by this ComPtr (no AddRef): for passing as an [in] interface pointer.
  T* get() const { return p_; }
  ///@{
  /// The interface pointed to; the pointer must not be null.
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  ///@}
  /// Not null.
  explicit operator bool() const { return p_ != nullptr; }
  /// Releases the current pointer and returns the slot for an [out] parameter (T** or void**).
  T** put() {
    reset();
    return &p_;
  }
  /// put() as void**, for QueryInterface and CreateInstance-like functions.
  void** putVoid() { return reinterpret_cast<void**>(put()); }

  /// QueryInterface for U::kIid; null if the object does not implement U.
  template <class U>
  ComPtr<U> as() const {
    ComPtr<U> r;
    if (p_) p_->QueryInterface(U::kIid, r.putVoid());
    return r;
  }

  friend bool operator==(const ComPtr& a, const ComPtr& b) { return a.p_ == b.p_; }
  friend bool operator!=(const ComPtr& a, const ComPtr& b) { return a.p_ != b.p_; }

 private:
  T* p_ = nullptr;
};

/// A non-aggregatable object implementing the interfaces First, Rest... (each with a kIid), with a
/// thread-safe reference count; created with a count of 1 by `make`, destroyed by the last Release.
/// @code
///   class Calc : public ComObject<ICalc, ICallFactory> { ... };
///   ComPtr<ICalc> p = Calc::make<Calc>(args...);
/// @endcode
template <class First, class... Rest>
class ComObject : public First, public Rest... {
 public:
  /// IUnknown and each of First, Rest... by its kIid; E_NOINTERFACE for other IIDs.
  HRESULT QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (riid == IUnknown::kIid) {
      *ppv = static_cast<IUnknown*>(static_cast<First*>(this));
    } else {
      find<First, Rest...>(riid, ppv);
    }
    if (*ppv == nullptr) return E_NOINTERFACE;
    AddRef();
    return S_OK;
  }
  /// Atomically adds a reference.
  ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  /// Atomically drops a reference; the last deletes the object.
  ULONG Release() override {
    ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (n == 0) delete this;
    return n;
  }

  /// A new Derived (which derives from this ComObject) constructed from args, with a count of 1 owned by
  /// the result; the same as makeObject<Derived>(args...).
  template <class Derived, class... Args>
  static ComPtr<Derived> make(Args&&... args) {
    return ComPtr<Derived>::attach(new Derived(std::forward<Args>(args)...));
  }

 protected:
  /// Starts with a reference count of 1, which make() (or makeObject) hands to its result.
  ComObject() = default;
  /// Runs when the last reference is released.
  ~ComObject() override = default;

 private:
  template <class I, class... More>
  void find(REFIID riid, void** ppv) {
    if (riid == I::kIid) {
      *ppv = static_cast<I*>(this);
      return;
    }
    if constexpr (sizeof...(More) > 0) find<More...>(riid, ppv);
  }

  std::atomic<ULONG> refs_{1};
};

/// A new ComObject-derived T (reference count 1, owned by the result): com::makeObject<Calc>(args...).
template <class T, class... Args>
ComPtr<T> makeObject(Args&&... args) {
  return ComPtr<T>::attach(new T(std::forward<Args>(args)...));
}

/// The aggregation machinery ("inner object" side), for objects that CreateCall may create inside a
/// controlling unknown. The reference count lives in a non-delegating inner IUnknown; the object's own
/// IUnknown methods (which derived classes forward to delegateQueryInterface/AddRef/Release) go to the
/// controlling unknown: the outer object when aggregated, the inner IUnknown otherwise. The inner IUnknown
/// answers IUnknown itself and every other IID through queryOwnInterface. The object starts with one
/// reference held by innerUnknown(); an aggregating outer keeps that pointer and releases it last.
class Aggregatable {
 public:
  Aggregatable(const Aggregatable&) = delete;
  Aggregatable& operator=(const Aggregatable&) = delete;

  /// The non-delegating IUnknown (what CreateCall returns to an aggregating caller).
  IUnknown* innerUnknown() { return &inner_; }
  /// The outer object when aggregated, else innerUnknown().
  IUnknown* controllingUnknown() const { return outer_; }
  /// Created inside an outer object (a non-null controlling unknown was given).
  bool aggregated() const { return outer_ != &inner_; }

 protected:
  /// `outer`: the controlling unknown of an aggregating object (not AddRef'd: the outer owns this object),
  /// or null for a standalone object.
  explicit Aggregatable(IUnknown* outer) : outer_(outer != nullptr ? outer : &inner_) {}
  /// Runs when the inner IUnknown's last reference is released.
  virtual ~Aggregatable() = default;
  /// Interfaces other than IUnknown, without AddRef; nullptr if not implemented.
  virtual void* queryOwnInterface(REFIID riid) = 0;

  ///@{
  /// What the object's own IUnknown methods do: call the controlling unknown's (MIDLRT_DELEGATING_IUNKNOWN).
  HRESULT delegateQueryInterface(REFIID riid, void** ppv) { return outer_->QueryInterface(riid, ppv); }
  ULONG delegateAddRef() { return outer_->AddRef(); }
  ULONG delegateRelease() { return outer_->Release(); }
  ///@}

 private:
  class Inner final : public IUnknown {
   public:
    explicit Inner(Aggregatable& owner) : owner_(owner) {}
    HRESULT QueryInterface(REFIID riid, void** ppv) override {
      if (ppv == nullptr) return E_POINTER;
      *ppv = riid == IUnknown::kIid ? static_cast<IUnknown*>(this) : owner_.queryOwnInterface(riid);
      if (*ppv == nullptr) return E_NOINTERFACE;
      // Interfaces other than IUnknown count on the controlling unknown, as COM's aggregation rules say.
      if (riid == IUnknown::kIid) {
        AddRef();
      } else {
        owner_.outer_->AddRef();
      }
      return S_OK;
    }
    ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
    ULONG Release() override {
      ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
      if (n == 0) delete &owner_;
      return n;
    }

   private:
    Aggregatable& owner_;
    std::atomic<ULONG> refs_{1};
  };

  Inner inner_{*this};
  IUnknown* outer_;
};

// Forwards a class's IUnknown methods to Aggregatable's delegating ones; put it in the public section of a
// class that derives from Aggregatable and from interfaces.
#define MIDLRT_DELEGATING_IUNKNOWN                                                         \
  ::midlrt::com::HRESULT QueryInterface(::midlrt::com::REFIID riid, void** ppv) override { \
    return delegateQueryInterface(riid, ppv);                                              \
  }                                                                                        \
  ::midlrt::com::ULONG AddRef() override {                                                 \
    return delegateAddRef();                                                               \
  }                                                                                        \
  ::midlrt::com::ULONG Release() override {                                                \
    return delegateRelease();                                                              \
  }

}  // namespace midlrt::com
